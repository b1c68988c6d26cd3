"""The country overview of a period: statuses, counts, filters, search, sorting, paging, chart."""

from __future__ import annotations

import datetime as dt

import pytest

from cbs_monitor import clock
from cbs_monitor.models import (
    DeliveryStatus,
    ReportingPeriod,
    ReportStatus,
    Withdrawal,
    WithdrawalPart,
)
from cbs_monitor.services.review import common, municipality_file, overview
from tests.review.conftest import PERIOD, actor, deliver, plain_delivery


@pytest.fixture
def arranged(world, review_release):
    """Amsterdam approved (op-orde held), Utrecht rejected, Groningen received, Ermelo by the cooperative
    and ready, Harderwijk: a rejected file after an approved one."""
    with world.session() as s:
        deliver(s, "anna.devries", "0363")
        deliver(s, "carla.bakker", "0344", approved=False)
        plain_delivery(s, "0014", status=DeliveryStatus.received, organisation="Gemeente Groningen")
        plain_delivery(
            s,
            "0233",
            readiness=ReportStatus.ready,
            organisation="Samenwerkingsverband Noord-Veluwe",
        )
        earlier = clock.now() - dt.timedelta(days=2)
        plain_delivery(
            s,
            "0243",
            received_at=earlier,
            readiness=ReportStatus.ready,
            organisation="Samenwerkingsverband Noord-Veluwe",
        )
        plain_delivery(
            s,
            "0243",
            status=DeliveryStatus.rejected,
            organisation="Samenwerkingsverband Noord-Veluwe",
        )
        s.add(
            Withdrawal(
                municipality_code="0233",
                period_code=PERIOD,
                part=WithdrawalPart.neighbourhood,
                withdrawn=True,
            )
        )
        s.add(
            Withdrawal(
                municipality_code="0233",
                period_code=PERIOD,
                part=WithdrawalPart.totals,
                withdrawn=True,
            )
        )
        s.add(
            Withdrawal(
                municipality_code="0302",
                period_code=PERIOD,
                part=WithdrawalPart.totals,
                withdrawn=False,
            )
        )
    return world


def _by_code(s, cbs, **kwargs):
    rows, total, counts = overview.overview(s, cbs, PERIOD, limit=None, **kwargs)
    return {r.code: r for r in rows}, total, counts


def test_every_municipality_has_a_status(arranged):
    with arranged.session() as s:
        rows, total, counts = _by_code(s, actor(s, "frank.deboer"))
    assert total == 342 and counts.total == 342
    assert rows["0363"].status == overview.APPROVED and rows["0363"].held
    assert rows["0344"].status == overview.REJECTED
    assert rows["0014"].status == overview.RECEIVED
    assert rows["0233"].status == overview.READY
    # A rejected newer file does not undo the approved one that counts.
    assert rows["0243"].status == overview.READY and rows["0243"].delivery_count == 2
    assert rows["0034"].status == overview.NOT_DELIVERED and rows["0034"].received_at is None
    assert counts.by_status == {
        overview.NOT_DELIVERED: 337,
        overview.RECEIVED: 1,
        overview.TECHNICAL_ERROR: 0,
        overview.REJECTED: 1,
        overview.APPROVED: 1,
        overview.READY: 2,
    }
    assert counts.held == 1


def test_row_details(arranged):
    with arranged.session() as s:
        rows, _, _ = _by_code(s, actor(s, "frank.deboer"))
    amsterdam, ermelo = rows["0363"], rows["0233"]
    assert amsterdam.delivered_by == "Gemeente Amsterdam" and not amsterdam.delivered_by_cooperative
    assert (
        amsterdam.technical.status == ReportStatus.approved
        and amsterdam.technical.due_at > clock.now()
    )
    assert (
        amsterdam.readiness.status == ReportStatus.held
        and amsterdam.next_due == amsterdam.readiness.due_at
    )
    assert (
        ermelo.delivered_by == "Samenwerkingsverband Noord-Veluwe"
        and ermelo.delivered_by_cooperative
    )
    assert ermelo.delegating and not amsterdam.delegating
    # In the order of the page, published choices left out.
    assert ermelo.withdrawn_parts == (
        "Wmo-cliënten totaal en per hoofdgroep",
        "Wijk- en buurtniveau",
    )
    assert rows["0302"].withdrawn_parts == ()


def test_overdue_is_marked_and_filtered(arranged):
    clock.set_fixed(dt.datetime(2026, 12, 10, 10, 0))  # past every deadline of 26 November
    with arranged.session() as s:
        cbs = actor(s, "frank.deboer")
        rows, total, counts = _by_code(s, cbs, overdue_only=True)
    # Amsterdam's held op-orde report and Groningen's pending technical report are owed and late.
    assert set(rows) == {"0363", "0014"} and total == 2 and counts.overdue == 2
    assert rows["0363"].readiness.overdue and not rows["0363"].technical.overdue
    assert rows["0014"].technical.overdue


def test_status_filter_search_and_counts(arranged):
    with arranged.session() as s:
        cbs = actor(s, "frank.deboer")
        rows, total, counts = _by_code(s, cbs, status=overview.READY)
        assert set(rows) == {"0233", "0243"} and total == 2
        assert counts.total == 342  # counts ignore the status filter
        rows, total, counts = _by_code(s, cbs, search="  AMSTER ")
        assert (
            set(rows) == {"0363"} and counts.total == 1 and counts.by_status[overview.APPROVED] == 1
        )
        rows, total, _ = _by_code(s, cbs, search="0014")
        assert set(rows) == {"0014"}
        rows, total, _ = _by_code(s, cbs, search="noord-veluwe")  # who delivered
        assert set(rows) == {"0233", "0243"}
        rows, total, _ = _by_code(s, cbs, held_only=True)
        assert set(rows) == {"0363"}
        with pytest.raises(common.ReviewRefused, match="Onbekende status"):
            overview.overview(s, cbs, PERIOD, status="klaar")


def test_sorting_and_paging(arranged):
    with arranged.session() as s:
        cbs = actor(s, "frank.deboer")
        page, total, _ = overview.overview(s, cbs, PERIOD, sort="code", offset=0, limit=50)
        assert total == 342 and len(page) == 50 and page[0].code == "0014"
        last, _, _ = overview.overview(s, cbs, PERIOD, sort="code", offset=300, limit=50)
        assert len(last) == 42
        backwards, _, _ = overview.overview(s, cbs, PERIOD, sort="-code", limit=1)
        assert backwards[0].code == max(r.code for r in overview.all_rows(s, PERIOD))
        by_name, _, _ = overview.overview(s, cbs, PERIOD, sort="naam", limit=2)
        assert [r.name for r in by_name] == sorted(r.name for r in overview.all_rows(s, PERIOD))[:2]
        by_status, _, _ = overview.overview(s, cbs, PERIOD, sort="-status", limit=2)
        assert {r.status for r in by_status} == {overview.READY}
        newest, _, _ = overview.overview(s, cbs, PERIOD, sort="aanlevering", limit=5)
        assert (
            newest[-1].received_at is not None and newest[0].received_at >= newest[-1].received_at
        )
        due, _, _ = overview.overview(s, cbs, PERIOD, sort="termijn", limit=3)
        # Owed reports first: Amsterdam's op-orde report (2 working days) before Groningen's technical one (3).
        assert [r.code for r in due[:2]] == ["0363", "0014"] and due[2].next_due is None
        with pytest.raises(common.ReviewRefused, match="sortering"):
            overview.overview(s, cbs, PERIOD, sort="bsn")
        with pytest.raises(common.ReviewRefused, match="verslagperiode"):
            overview.overview(s, cbs, "2030H1")


def test_daily_activity_covers_the_window(arranged):
    with arranged.session() as s:
        cbs = actor(s, "frank.deboer")
        period = s.get(ReportingPeriod, PERIOD)
        days = overview.daily_activity(s, cbs, PERIOD)
    assert len(days) == (period.delivery_closes_on - period.delivery_opens_on).days + 1
    today = next(d for d in days if d.datum == clock.today().isoformat())
    # 0363, 0344, 0014, 0233 and 0243 (second file) today; approved: 0363 and 0233.
    assert today.aanleveringen == 5 and today.goedgekeurd == 2 and today.op_orde == 1
    assert sum(d.aanleveringen for d in days) == 6


def test_municipality_file_findings_and_messages(arranged):
    with arranged.session() as s:
        cbs = actor(s, "frank.deboer")
        file = municipality_file.municipality_file(s, cbs, "0344")
        assert file.name == "Utrecht" and not file.delegating and len(file.deliveries) == 1
        rejected = file.deliveries[0]
        assert rejected.effective == DeliveryStatus.rejected and rejected.finding_count > 0
        lines = municipality_file.findings(s, cbs, rejected.delivery_id)
        assert lines[0].severity == "fout" and any(line.text.startswith("Regel") for line in lines)
        harderwijk = municipality_file.municipality_file(s, cbs, "0243")
        assert (
            harderwijk.delegating and harderwijk.cooperative == "Samenwerkingsverband Noord-Veluwe"
        )
        assert [d.counts for d in harderwijk.deliveries] == [False, True]  # newest first
        page = municipality_file.message_page(s, cbs, "0363")
        assert page.total >= 3 and len(page.rows) == min(page.total, 25) and page.page == 1
        with pytest.raises(common.ReviewRefused, match="Onbekende gemeente"):
            municipality_file.municipality_file(s, cbs, "9999")
