"""The `cbs-monitor` command: migrate, seed-demo, validate, generate-sample, scheduler, send-mail,
worker, demo-supplier."""

from __future__ import annotations

import argparse
import sys

from cbs_monitor.cli import database, scheduler, supplier, worker
from cbs_monitor.protocol import commands as protocol_commands


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cbs-monitor", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for module in (database, protocol_commands, scheduler, worker, supplier):
        module.add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
