"""The `cbs-monitor` command: migrate, seed-demo, validate, generate-sample, scheduler and more."""

from __future__ import annotations

import argparse
import importlib
import sys

# Modules that add their own subcommands through add_commands(subparsers).
_COMMAND_MODULES = (
    "cbs_monitor.protocol.commands",
    "cbs_monitor.services.commands",
)


def _migrate(args: argparse.Namespace) -> int:
    from cbs_monitor import migrations

    migrations.upgrade()
    print("Database is up to date.")
    return 0


def _seed_demo(args: argparse.Namespace) -> int:
    from cbs_monitor import db
    from cbs_monitor.services import demo_data

    with db.session() as session:
        if args.if_empty and not demo_data.database_is_empty(session):
            print("Database already holds data; demo seeding skipped.")
            return 0
        added = demo_data.seed_demo(session, with_history=True)
    print("Demo data: " + ", ".join(f"{k} +{v}" for k, v in added.items()))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cbs-monitor", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="bring the database schema up to date").set_defaults(
        func=_migrate
    )
    seed = sub.add_parser("seed-demo", help="add the demo data (idempotent)")
    seed.add_argument(
        "--if-empty", action="store_true", help="only when the database holds no data yet"
    )
    seed.set_defaults(func=_seed_demo)
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
