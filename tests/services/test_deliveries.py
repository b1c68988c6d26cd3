"""Receiving a delivery: gate, store privately, both reports, Berichtenlog, replacement."""

import datetime as dt
import hashlib

import pytest
from sqlmodel import select

from cbs_monitor import clock
from cbs_monitor.models import (
    Delivery,
    DeliveryStatus,
    Message,
    OutboxMail,
    Report,
    ReportKind,
    ReportStatus,
    User,
)
from cbs_monitor.protocol import validate_upload
from cbs_monitor.protocol.sample import elfproef_ok, generate_sample
from cbs_monitor.services import deliveries, readiness_reports, storage
from cbs_monitor.services.errors import NotPermitted
from cbs_monitor.services.permissions import load_actor
from cbs_monitor.settings import reset_settings

NOW = dt.datetime(2026, 11, 29, 10, 0)


@pytest.fixture
def db(demo_db):
    clock.set_fixed(NOW)
    return demo_db


def _actor(s, employee_id):
    return load_actor(s, s.exec(select(User).where(User.employee_id == employee_id)).one().id)


def _deliver(db, employee_id, code, *, period="2026H1", error_rate=0.0, seed=1, records=200):
    name, data = generate_sample(
        code, period, records=records, seed=seed, created=clock.today(), error_rate=error_rate
    )
    with db.session() as s:
        actor = _actor(s, employee_id)
        context = deliveries.prepare(s, actor, code, len(data))
    result = validate_upload(name, data, context=context)
    with db.session() as s:
        return deliveries.record(s, _actor(s, employee_id), code, name, data, result), data


def test_valid_file_is_stored_approved_with_both_reports_and_messages(db):
    outcome, data = _deliver(db, "anna.devries", "0363")
    assert outcome.result.approved and outcome.delivery_id
    with db.session() as s:
        delivery = s.get(Delivery, outcome.delivery_id)
        assert delivery.status == DeliveryStatus.approved and delivery.records_read == 200
        assert storage.get(delivery.storage_key) == data
        kinds = {r.kind: r for r in s.exec(select(Report).where(Report.delivery_id == delivery.id))}
        assert kinds[ReportKind.technical].status == ReportStatus.approved
        assert kinds[ReportKind.readiness].status == ReportStatus.ready
        # service levels: 3 working days after receipt (Sunday 29 Nov -> Wednesday 2 Dec)
        assert clock.to_local(kinds[ReportKind.technical].due_at).date() == dt.date(2026, 12, 2)
        texts = [m.kind for m in s.exec(select(Message).where(Message.municipality_code == "0363"))]
        assert {"bestand_ontvangen", "technisch_rapport", "op_orde_rapport"} <= set(texts)
        mails = s.exec(select(OutboxMail).where(OutboxMail.municipality_code == "0363")).all()
        assert any("anna.devries" in m.recipient for m in mails)


def test_no_bsn_in_stored_report_content_or_messages(db):
    _outcome, data = _deliver(db, "anna.devries", "0363", error_rate=0.2, seed=5)
    bsns = {line.split(b";")[3].decode() for line in data.splitlines()[1:]}
    with db.session() as s:
        blobs = [str(r.content) for r in s.exec(select(Report))] + [
            m.text for m in s.exec(select(Message))
        ]
        blobs += [m.body_text + m.body_html for m in s.exec(select(OutboxMail))]
    text = " ".join(blobs)
    assert not [b for b in bsns if len(b) == 9 and elfproef_ok(b) and b in text]


def test_rejected_file_is_stored_but_does_not_replace_the_approved_one(db):
    first, _ = _deliver(db, "anna.devries", "0363", seed=1)
    bad, _ = _deliver(db, "anna.devries", "0363", error_rate=0.4, seed=2)
    assert not bad.result.approved and bad.delivery_id
    with db.session() as s:
        assert s.get(Delivery, first.delivery_id).replaced_by_id is None
        assert readiness_reports.current_delivery(s, "0363", "2026H1").id == first.delivery_id
        assert readiness_reports.report_of(s, bad.delivery_id, ReportKind.readiness) is None
    newer, _ = _deliver(db, "bram.jansen", "0363", seed=3)
    with db.session() as s:
        assert s.get(Delivery, first.delivery_id).replaced_by_id == newer.delivery_id
        assert s.get(Delivery, bad.delivery_id).replaced_by_id == newer.delivery_id
        rows = deliveries.list_for_municipality(s, "0363")
        assert [r.replaced for r in rows] == [False, True, True]


def test_file_for_another_municipality_is_refused_and_not_stored(db):
    name, data = generate_sample("0344", "2026H1", records=20, created=clock.today())
    with db.session() as s:
        actor = _actor(s, "anna.devries")
        context = deliveries.prepare(s, actor, "0363", len(data))
    result = validate_upload(name, data, context=context)
    with db.session() as s:
        outcome = deliveries.record(s, _actor(s, "anna.devries"), "0363", name, data, result)
        assert outcome.delivery_id is None and not result.approved
        assert not s.exec(select(Delivery)).all()
        refused = s.exec(select(Message).where(Message.kind == "bestand_geweigerd")).one()
        assert refused.municipality_code == "0363"


def test_gate_refuses_other_municipality_closed_window_and_size(db):
    with db.session() as s:
        anna = _actor(s, "anna.devries")
        with pytest.raises(NotPermitted, match="geen bestanden aanleveren"):
            deliveries.prepare(s, anna, "0344", 100)
        with pytest.raises(deliveries.DeliveryRefused, match="2,5 MB"):
            deliveries.prepare(s, anna, "0363", 3_000_000)
        with pytest.raises(NotPermitted):
            deliveries.prepare(s, None, "0363", 100)
    clock.set_fixed(dt.datetime(2027, 6, 1, 10, 0))
    with (
        db.session() as s,
        pytest.raises(deliveries.DeliveryRefused, match="aanleverperiode is gesloten"),
    ):
        deliveries.prepare(s, _actor(s, "anna.devries"), "0363", 100)


def test_review_setting_holds_the_readiness_report(db, monkeypatch):
    monkeypatch.setenv("CBS_MONITOR_READINESS_RELEASE", "review")
    reset_settings()
    outcome, _ = _deliver(db, "anna.devries", "0363")
    with db.session() as s:
        report = readiness_reports.report_of(s, outcome.delivery_id, ReportKind.readiness)
        assert report.status == ReportStatus.held and report.released_at is None
        assert s.exec(select(Message).where(Message.kind == "op_orde_vastgehouden")).first()


def test_readiness_compares_with_previous_half_year(db):
    with db.session() as s:
        from cbs_monitor.services import demo_data

        assert demo_data.seed_history(s) == 10
    outcome, _ = _deliver(db, "anna.devries", "0363")
    with db.session() as s:
        report = readiness_reports.report_of(s, outcome.delivery_id, ReportKind.readiness)
        assert report.content["previous"]["period_code"] == "2025H2"
        assert report.content["year_earlier"]["period_code"] == "2025H1"


class _DiskFull(Exception):
    pass


def _deliver_then_fail(db, code="0363", seed=1):
    """A delivery whose transaction fails after the file was stored (the disk fills up)."""
    name, data = generate_sample(code, "2026H1", records=50, seed=seed, created=clock.today())
    with db.session() as s:
        context = deliveries.prepare(s, _actor(s, "anna.devries"), code, len(data))
    result = validate_upload(name, data, context=context)
    with pytest.raises(_DiskFull), db.session() as s:
        deliveries.record(s, _actor(s, "anna.devries"), code, name, data, result)
        raise _DiskFull
    return data


def test_a_failed_delivery_leaves_no_stored_file(db):
    """Issue 11 item 7: the file with BSNs goes when its delivery row is not committed."""
    data = _deliver_then_fail(db)
    key = hashlib.sha256(data).hexdigest()
    assert not storage.exists(key)
    with db.session() as s:
        assert s.exec(select(Delivery).where(Delivery.sha256 == key)).first() is None


def test_a_failed_repeat_of_a_delivered_file_keeps_the_first_ones_file(db):
    outcome, data = _deliver(db, "anna.devries", "0363", records=50)
    _deliver_then_fail(db)
    with db.session() as s:
        assert storage.get(s.get(Delivery, outcome.delivery_id).storage_key) == data
