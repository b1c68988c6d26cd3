"""`cbs-monitor scheduler` and `send-mail`: the scheduler in the foreground, and one round of mail."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal


def _logging() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # not a line per job run


def _scheduler(args: argparse.Namespace) -> int:
    from cbs_monitor import scheduler
    from cbs_monitor.settings import get_settings

    _logging()
    if args.once:
        result = scheduler.run_once()
        print(
            f"Done: {', '.join(result.actions) or 'nothing due'}; {result.mails_sent} mail(s) sent."
        )
        return 0
    config = scheduler.SchedulerConfig(
        lease_seconds=args.lease_seconds or get_settings().scheduler_lease_seconds,
        reconcile_seconds=args.reconcile_seconds,
        send_seconds=args.send_seconds,
    )

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        service = scheduler.SchedulerService(config)
        await service.start()
        try:
            await stop.wait()
        finally:
            await service.stop()

    asyncio.run(run())
    return 0


def _send_mail(args: argparse.Namespace) -> int:
    from cbs_monitor.services import mailer

    _logging()
    sent = mailer.send_pending(None)
    print(f"{sent} mail(s) sent.")
    return 0


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    sched = subparsers.add_parser(
        "scheduler",
        help="run the scheduler in the foreground (windows, reminders, mail; one "
        "active instance per database)",
    )
    sched.add_argument(
        "--once",
        action="store_true",
        help="one reconcile and one round of mail, then exit (ignores the lease)",
    )
    sched.add_argument(
        "--lease-seconds",
        type=float,
        default=None,
        help="lease length (default CBS_MONITOR_SCHEDULER_LEASE_SECONDS)",
    )
    sched.add_argument("--reconcile-seconds", type=float, default=60.0)
    sched.add_argument("--send-seconds", type=float, default=15.0)
    sched.set_defaults(func=_scheduler)
    send = subparsers.add_parser(
        "send-mail", help="send the mails in the outbox that are due, once"
    )
    send.set_defaults(func=_send_mail)
