"""`cbs-monitor migrate` and `seed-demo`: the schema, and the embedded demo set-up."""

from __future__ import annotations

import argparse

from cbs_monitor import db, migrations
from cbs_monitor.services import demo_data
from cbs_monitor.settings import get_settings


def _migrate(args: argparse.Namespace) -> int:
    migrations.upgrade()
    print("Database is up to date.")
    return 0


def _seed_demo(args: argparse.Namespace) -> int:
    if not get_settings().demo_data_enabled:
        print("Demo data is off (CBS_MONITOR_DEMO_DATA=false, or production mode); nothing seeded.")
        return 0
    with db.session() as session:
        if args.if_empty and not demo_data.database_is_empty(session):
            print("Database already holds data; demo seeding skipped.")
            return 0
        added = demo_data.seed_demo(session, with_history=True)
    print("Demo data: " + ", ".join(f"{k} +{v}" for k, v in added.items()))
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    sub.add_parser("migrate", help="bring the database schema up to date").set_defaults(
        func=_migrate
    )
    seed = sub.add_parser("seed-demo", help="add the demo data (idempotent)")
    seed.add_argument(
        "--if-empty", action="store_true", help="only when the database holds no data yet"
    )
    seed.set_defaults(func=_seed_demo)
