"""`cbs-monitor worker`: run the validation jobs of this node in the foreground."""

from __future__ import annotations

import argparse
import logging


def _worker(args: argparse.Namespace) -> int:
    from cbs_monitor import worker

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("huey").setLevel(logging.WARNING)  # not a line per job
    worker.run_worker(processes=args.processes, parent_pid=args.parent_pid)
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "worker", help="Run validation jobs (CBS_MONITOR_JOB_QUEUE: sqlite, postgres or redis)."
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=None,
        help="job processes (default: CBS_MONITOR_VALIDATION_WORKERS)",
    )
    parser.add_argument("--parent-pid", type=int, default=None, help=argparse.SUPPRESS)
    parser.set_defaults(func=_worker)
