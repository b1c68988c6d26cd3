"""The overview export (.xlsx behind a download grant) and the overview's speed at national scale."""

from __future__ import annotations

import datetime as dt
import io
import random
import time

from openpyxl import load_workbook
from sqlalchemy import event, insert, select
from sqlmodel import select as sm_select

from cbs_monitor import clock
from cbs_monitor.models import (
    Delivery,
    DeliveryStatus,
    Municipality,
    Organisation,
    Report,
    ReportKind,
    ReportStatus,
    Withdrawal,
    WithdrawalPart,
)
from cbs_monitor.services import downloads, report_files
from cbs_monitor.services.review import overview
from tests.review.conftest import PERIOD, actor, plain_delivery


def test_export_is_a_workbook_of_the_filtered_overview(world):
    with world.session() as s:
        plain_delivery(s, "0363", readiness=ReportStatus.held)
        plain_delivery(s, "0344", status=DeliveryStatus.rejected, organisation="Gemeente Utrecht")
        # A file name that a spreadsheet would read as a formula must stay text.
        s.get(Delivery, 2).filename = '=HYPERLINK("http://x")'
        s.add(
            Withdrawal(
                municipality_code="0363",
                period_code=PERIOD,
                part=WithdrawalPart.financing,
                withdrawn=True,
            )
        )
        cbs = actor(s, "frank.deboer")
        token = downloads.grant(
            s,
            cbs.user_id,
            report_files.OVERVIEW_KIND,
            period_code=PERIOD,
            status="",
            search="",
            overdue_only=False,
            held_only=False,
            sort="-status",
        )
        name, data = report_files.build(s, cbs, downloads.redeem(s, token, cbs.user_id))
        assert name == f"CBS_overzicht_{PERIOD}_{clock.today():%Y%m%d}.xlsx"
        book = load_workbook(io.BytesIO(data))
        sheet = book["Overzicht"]
        header_row = next(r for r in range(1, 6) if sheet.cell(r, 1).value == "Gemeentecode")
        values = [[c.value for c in row] for row in sheet.iter_rows(min_row=header_row + 1)]
        assert len(values) == 342
        first = values[0]  # sorted by status descending: Amsterdam (approved, op-orde held) first
        assert first[:3] == ["0363", "Amsterdam", overview.APPROVED]
        assert first[13] == ReportStatus.held.value and isinstance(first[15], dt.date)
        assert first[16] == "Financieringsvorm (PGB/ZIN)"
        utrecht = next(v for v in values if v[0] == "0344")
        cell = sheet.cell(header_row + 1 + values.index(utrecht), 7)
        assert cell.value.startswith("=") and cell.data_type == "s" and cell.quotePrefix
        summary = {
            r[0].value: r[1].value for r in book["Samenvatting"].iter_rows(min_row=2) if r[0].value
        }
        assert (
            summary["Status: niet aangeleverd"] == 340
            and summary["Op orde rapport wacht op vrijgave"] == 1
        )
        # Filters travel with the grant.
        token = downloads.grant(
            s,
            cbs.user_id,
            report_files.OVERVIEW_KIND,
            period_code=PERIOD,
            status=overview.REJECTED,
            search="",
            overdue_only=False,
            held_only=False,
            sort="naam",
        )
        _, data = report_files.build(s, cbs, downloads.redeem(s, token, cbs.user_id))
        sheet = load_workbook(io.BytesIO(data))["Overzicht"]
        assert sheet.max_row == header_row + 1 and sheet.cell(header_row + 1, 1).value == "0344"


def _seed_national(s, deliveries_total: int = 3000, seed: int = 7) -> int:
    """About `deliveries_total` deliveries over all 342 municipalities, each with its reports, inserted
    in bulk (the validator is not what this measures)."""
    rng = random.Random(seed)
    codes = s.exec(sm_select(Municipality.code)).all()
    org = s.exec(sm_select(Organisation).where(Organisation.name == "Gemeente Amsterdam")).one()
    start = clock.now() - dt.timedelta(days=14)
    rows = []
    for n in range(deliveries_total):
        received = start + dt.timedelta(minutes=rng.randrange(14 * 24 * 60))
        status = rng.choice(
            [
                DeliveryStatus.approved,
                DeliveryStatus.approved,
                DeliveryStatus.rejected,
                DeliveryStatus.received,
            ]
        )
        rows.append(
            {
                "municipality_code": rng.choice(codes),
                "period_code": PERIOD,
                "organisation_id": org.id,
                "filename": f"WMO_{n:04d}.csv",
                "size": 1000,
                "sha256": "0" * 64,
                "received_at": received,
                "status": status,
                "records_read": 1000,
            }
        )
    s.execute(insert(Delivery), rows)
    reports = []
    for delivery_id, received, status in s.execute(
        select(Delivery.id, Delivery.received_at, Delivery.status)
    ).all():
        tech = {
            DeliveryStatus.approved: ReportStatus.approved,
            DeliveryStatus.rejected: ReportStatus.rejected,
            DeliveryStatus.received: ReportStatus.pending,
        }[status]
        reports.append(
            {
                "delivery_id": delivery_id,
                "kind": ReportKind.technical,
                "status": tech,
                "due_at": clock.due_moment(received, 3),
                "created_at": received,
                "content": {"findings": [{"code": "x", "message": "m"}] * 20},
            }
        )
        if status == DeliveryStatus.approved:
            reports.append(
                {
                    "delivery_id": delivery_id,
                    "kind": ReportKind.readiness,
                    "status": rng.choice([ReportStatus.ready, ReportStatus.held]),
                    "due_at": clock.due_moment(received, 2),
                    "created_at": received,
                    "content": {},
                }
            )
    s.execute(insert(Report), reports)
    s.flush()
    return len(rows)


def test_overview_at_national_scale_is_quick(world):
    with world.session() as s:
        made = _seed_national(s)
    statements = []

    def count(*_args):
        statements.append(1)

    engine = world.get_engine()
    event.listen(engine, "before_cursor_execute", count)
    try:
        timings = []
        with world.session() as s:
            cbs = actor(s, "frank.deboer")
            for _ in range(5):
                statements.clear()
                began = time.perf_counter()
                rows, total, counts = overview.overview(
                    s, cbs, PERIOD, overdue_only=False, sort="termijn", offset=50, limit=50
                )
                timings.append(time.perf_counter() - began)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    best, median = min(timings), sorted(timings)[len(timings) // 2]
    print(
        f"\noverview(): 342 municipalities, {made} deliveries: best {best * 1000:.1f} ms, "
        f"median {median * 1000:.1f} ms, {len(statements)} SQL statements"
    )
    assert total == 342 and len(rows) == 50 and sum(counts.by_status.values()) == 342
    assert len(statements) <= 10  # a handful of queries, not one per municipality
    assert median < 1.0
