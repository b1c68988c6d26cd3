"""`cbs-monitor demo-supplier`: credentials of the demo software supplier for the API."""

from __future__ import annotations

import argparse
import json

from cbs_monitor import db
from cbs_monitor.settings import get_settings


def _demo_supplier(args: argparse.Namespace) -> int:
    from cbs_monitor.api.v1.oauth import token_url
    from cbs_monitor.services import demo_data

    if not get_settings().demo_data_enabled:
        print("Demo data is off (CBS_MONITOR_DEMO_DATA=false, or production mode).")
        return 2
    try:
        with db.session() as session:
            found = demo_data.demo_supplier_credentials(session)
    except LookupError as error:
        print(str(error))
        return 2
    values = {
        "client_id": found.client_id,
        "client_secret": found.client_secret,
        "token_url": token_url(),
        "municipalities": found.municipalities,
    }
    if args.json:
        print(json.dumps(values, indent=2))
    else:
        for key, value in values.items():
            print(f"{key}: {value}")
        print("The secret is new: the previous one and its tokens no longer work.")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    demo = sub.add_parser(
        "demo-supplier",
        help="a fresh secret for the demo software supplier's API client (development only)",
    )
    demo.add_argument("--json", action="store_true", help="print the credentials as JSON")
    demo.set_defaults(func=_demo_supplier)
