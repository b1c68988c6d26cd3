"""`make bench-rush`, the part that opens a target's database with the portal's own code.

Run as a child process with the target's environment (CBS_MONITOR_DATA_DIR, or the production
env file's DATABASE_URL and friends), so each target is reached with its own settings:

    python bench/rush_db.py prepare --municipalities 50 --sessions 50   → JSON on stdout
    python bench/rush_db.py check < delivery ids as JSON                → JSON on stdout

`prepare` registers a bench software supplier through the servicedesk's services (Gerda Smit of
the demo data), gives it one API client per municipality (a supplier's installation per
customer; the API's rate limit counts per client), and has each municipality authorise it
through the Koppelingen service, acting as its productbeheerder (Anna's actor, moved to that
municipality: the permission check still runs). It starts one login session per browsing user
through the sessions service, as the login callback does (the built-in identity provider is off
in production and its login start is rate-limited per address).

`check` counts, per delivery, the technical reports and the "technisch_rapport" lines of the
Berichtenlog: more than one of either is a report made twice.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Demo users with a municipality of their own who may open every tab (services.demo_data).
BROWSING_USERS = ["anna.devries", "bram.jansen", "carla.bakker", "hanna.kok"]
SERVICEDESK_USER = "gerda.smit"
PRODUCT_MANAGER = "anna.devries"


def prepare(municipalities: int, sessions_wanted: int) -> dict:
    from sqlmodel import col, select

    from cbs_monitor import db
    from cbs_monitor.models import Municipality, Organisation, User
    from cbs_monitor.services import periods, sessions, suppliers
    from cbs_monitor.services.permissions import load_actor

    with db.session() as s:

        def user_id(employee_id: str) -> int:
            found = s.exec(select(User.id).where(User.employee_id == employee_id)).one()
            assert found is not None
            return found

        def actor_of(employee_id: str):
            actor = load_actor(s, user_id(employee_id))
            assert actor is not None, employee_id
            return actor

        desk, manager = actor_of(SERVICEDESK_USER), actor_of(PRODUCT_MANAGER)
        period = periods.open_delivery_periods(s)[0].code
        taken = set(
            s.exec(
                select(Organisation.municipality_code).where(
                    col(Organisation.municipality_code).is_not(None)
                )
            ).all()
        )
        rows = s.exec(select(Municipality.code, Municipality.name).order_by(Municipality.code))
        chosen = [(code, name) for code, name in rows if code not in taken][:municipalities]
        identifier = "".join(secrets.choice("0123456789") for _ in range(20))
        suppliers.register_supplier(s, desk, "Bench Zorgsoftware B.V.", identifier)
        org_id = s.exec(select(Organisation.id).where(Organisation.identifier == identifier)).one()
        assert org_id is not None
        clients = []
        for code, name in chosen:
            made = suppliers.create_client(s, desk, org_id, f"Bench {code}")
            as_manager = dataclasses.replace(
                manager, municipality_codes=(code,), municipality_names={code: name}
            )
            suppliers.authorise(s, as_manager, code, org_id, terms_accepted=True)
            clients.append(
                {"code": code, "client_id": made.client_id, "secret": made.client_secret}
            )
        users = [user_id(e) for e in BROWSING_USERS]
        cookies = [
            sessions.create_session(s, users[n % len(users)]) for n in range(sessions_wanted)
        ]
    return {
        "period": period,
        "clients": clients,
        "session_cookie": sessions.COOKIE_NAME,
        "sessions": cookies,
    }


def check(delivery_ids: list[int]) -> dict:
    from sqlmodel import col, func, select

    from cbs_monitor import db
    from cbs_monitor.models import Delivery, Message, Report, ReportKind

    with db.session() as s:
        reports = dict(
            s.exec(
                select(Report.delivery_id, func.count())
                .where(
                    col(Report.delivery_id).in_(delivery_ids), Report.kind == ReportKind.technical
                )
                .group_by(col(Report.delivery_id))
            ).all()
        )
        lines = dict(
            s.exec(
                select(Message.delivery_id, func.count())
                .where(
                    col(Message.delivery_id).in_(delivery_ids), Message.kind == "technisch_rapport"
                )
                .group_by(col(Message.delivery_id))
            ).all()
        )
        statuses = s.exec(
            select(Delivery.status, func.count())
            .where(col(Delivery.id).in_(delivery_ids))
            .group_by(col(Delivery.status))
        ).all()
    return {
        "with_report": sum(1 for i in delivery_ids if reports.get(i, 0) >= 1),
        "doubled": sum(1 for i in delivery_ids if reports.get(i, 0) > 1 or lines.get(i, 0) > 1),
        "statuses": {str(getattr(k, "value", k)): n for k, n in statuses},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    ready = sub.add_parser("prepare")
    ready.add_argument("--municipalities", type=int, required=True)
    ready.add_argument("--sessions", type=int, required=True)
    sub.add_parser("check")
    args = parser.parse_args()
    if args.command == "prepare":
        out = prepare(args.municipalities, args.sessions)
    else:
        out = check([int(i) for i in json.load(sys.stdin)])
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
