"""`make bench-desk`: the CBS desk and the reminder-day query at national scale.

50 000 deliveries in one period (342 municipalities, a few rounds of redeliveries, every verdict)
in a fresh SQLite database (or PostgreSQL: CBS_MONITOR_DATABASE_URL), then the median time of
each click a reviewer makes on /cbs, as the page calls it (`desk.desk_view`), and of the
query behind the reminder mail. Target: under 150 ms per click."""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _fill(deliveries: int) -> str:
    from sqlalchemy import insert
    from sqlmodel import select

    from cbs_monitor import clock, db
    from cbs_monitor.models import (
        Delivery,
        DeliveryStatus,
        Municipality,
        Organisation,
        Report,
        ReportKind,
        ReportStatus,
    )
    from cbs_monitor.services import periods

    rng = random.Random(7)
    with db.session() as s:
        period = periods.open_delivery_periods(s)[0].code
        codes = list(s.exec(select(Municipality.code)).all())
        organisation = s.exec(select(Organisation.id)).first()
    now = clock.now()
    start = now.replace(microsecond=0) - dt_days(40)
    rows, reports = [], []
    for number in range(deliveries):
        code = codes[number % len(codes)]
        status = rng.choice(
            [DeliveryStatus.approved, DeliveryStatus.rejected, DeliveryStatus.rejected]
        )
        if number >= deliveries - 20:
            status = DeliveryStatus.received
        rows.append(
            {
                "id": number + 10_000,
                "municipality_code": code,
                "period_code": period,
                "organisation_id": organisation,
                "filename": f"WMO_{code}_{period}_{number:06d}.csv",
                "size": 2_500_000,
                "sha256": f"{number:064x}",
                "received_at": start + dt_seconds(number * 60),
                "status": status.name,
                "validation_context": "{}",
            }
        )
        if status != DeliveryStatus.received:
            reports.append(
                {
                    "delivery_id": number + 10_000,
                    "kind": ReportKind.technical.name,
                    "status": (
                        ReportStatus.approved
                        if status == DeliveryStatus.approved
                        else ReportStatus.rejected
                    ).name,
                    "due_at": start + dt_seconds(number * 60 + 3600),
                    "created_at": start + dt_seconds(number * 60),
                    "released_at": start + dt_seconds(number * 60),
                    "content": "{}",
                }
            )
    with db.get_engine().begin() as conn:
        for table, values in ((Delivery.__table__, rows), (Report.__table__, reports)):
            for first in range(0, len(values), 5_000):
                conn.execute(insert(table), values[first : first + 5_000])
    return period


def dt_days(days: int):
    import datetime as dt

    return dt.timedelta(days=days)


def dt_seconds(seconds: int):
    import datetime as dt

    return dt.timedelta(seconds=seconds)


def _median_ms(fn, runs: int) -> float:
    fn()  # warm
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deliveries", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="cbs-desk-bench-")
    os.environ.setdefault("CBS_MONITOR_DATA_DIR", workdir)
    from sqlmodel import select

    from cbs_monitor import db, migrations
    from cbs_monitor.models import User
    from cbs_monitor.services import demo_data, notifications
    from cbs_monitor.services.permissions import load_actor
    from cbs_monitor.services.review import desk, overview

    migrations.upgrade()
    with db.session() as s:
        demo_data.seed_demo(s)
    started = time.perf_counter()
    period = _fill(args.deliveries)
    print(
        f"{args.deliveries} deliveries in {period} written in {time.perf_counter() - started:.1f} s"
    )
    with db.session() as s:
        reviewer = load_actor(
            s, s.exec(select(User).where(User.employee_id == "frank.deboer")).one().id
        )

    def click(**query):
        def run():
            with db.session() as s:
                desk.desk_view(
                    s,
                    reviewer,
                    desk.OverviewQuery(period_code=period, **query),
                    with_chart=False,
                )

        return run

    def opening():
        with db.session() as s:
            desk.desk_view(s, reviewer, desk.OverviewQuery(period_code=period), with_chart=True)

    def reminder_query():
        with db.session() as s:
            notifications.delivered_municipalities(s, period)

    cases = [
        ("open /cbs (rows, counts, chart)", opening),
        ("filter status 'technisch afgekeurd'", click(status=overview.REJECTED)),
        ("sort by Laatste aanlevering", click(sort="-aanlevering")),
        ("page 3", click(page=3)),
        ("search 'gro'", click(search="gro")),
        ("reminder-day query", reminder_query),
    ]
    print(f"{'click':40} {'median ms':>10}")
    worst = 0.0
    for label, fn in cases:
        ms = _median_ms(fn, args.runs)
        worst = max(worst, ms)
        print(f"{label:40} {ms:10.1f}")
    print(f"worst: {worst:.1f} ms (target: under 150 ms)")


if __name__ == "__main__":
    main()
