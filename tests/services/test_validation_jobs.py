"""Receipt first and validation as durable jobs: the receipt, the claim rules (once, fair), retries
ending in 'technische fout', the sweep, the bounded queue and no file left without its row.

The jobs run in-process here (queue 'sqlite' without a worker, the job body called as a worker
calls it); tests/services/test_validation_worker.py runs the real worker processes."""

from __future__ import annotations

import datetime as dt
import io
import socket

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
    User,
)
from cbs_monitor.protocol.sample import generate_sample
from cbs_monitor.services import (
    deliveries,
    retrieval,
    storage,
    validation_jobs,
    validation_queue,
)
from cbs_monitor.services.deliveries import DeliveryRefused
from cbs_monitor.services.permissions import load_actor
from cbs_monitor.services.review import overview
from cbs_monitor.settings import reset_settings

NOW = dt.datetime(2026, 11, 29, 10, 0)


@pytest.fixture
def db(demo_db, monkeypatch):
    """Jobs are queued on the embedded SQLite queue and nobody consumes them: each test runs
    the job body itself, when it wants."""
    monkeypatch.setenv("CBS_MONITOR_JOB_QUEUE", "sqlite")
    reset_settings()
    clock.set_fixed(NOW)
    return demo_db


def _actor(s, employee_id):
    return load_actor(s, s.exec(select(User).where(User.employee_id == employee_id)).one().id)


def _send(db, employee_id="anna.devries", code="0363", *, seed=1, records=120, name=None):
    filename, data = generate_sample(
        code, "2026H1", records=records, seed=seed, created=clock.today()
    )
    with db.session() as s:
        view = deliveries.deliver(
            s,
            _actor(s, employee_id),
            code,
            name or filename,
            io.BytesIO(data).read,
            terms_accepted=True,
        )
    return view, data


def _reports(s, delivery_id):
    return s.exec(select(Report).where(Report.delivery_id == delivery_id)).all()


def test_receipt_is_committed_before_validation_and_the_job_is_queued(db):
    before = validation_queue.pending_jobs()
    view, data = _send(db)
    assert view.refused is None and view.receipt is not None
    receipt = view.receipt
    assert receipt.municipality == "Amsterdam (0363)" and receipt.period_code == "2026H1"
    assert receipt.sha256 and "bytes" in receipt.size and receipt.received_at
    with db.session() as s:
        delivery = s.get(Delivery, receipt.delivery_id)
        assert delivery.status == DeliveryStatus.received
        assert storage.get(delivery.storage_key) == data
        assert _reports(s, delivery.id) == []
        kinds = [m.kind for m in s.exec(select(Message).where(Message.delivery_id == delivery.id))]
        assert kinds == ["bestand_ontvangen"]
        progress = deliveries.delivery_progress(s, _actor(s, "anna.devries"), delivery.id)
        assert progress.stage == "wachtrij" and "als eerste" in progress.text
        ophalen = retrieval.retrieve_page(s, _actor(s, "anna.devries"), "0363")
        row = next(r for r in ophalen.rows if r.delivery_id == delivery.id)
        assert row.technical.status == "wordt gecontroleerd" and not row.technical.downloadable
    assert validation_queue.pending_jobs() == before + 1


def test_the_job_records_the_reports_once_even_when_it_runs_twice(db):
    view, _ = _send(db)
    delivery_id = view.receipt.delivery_id
    validation_jobs.run(delivery_id)
    validation_jobs.run(delivery_id)  # a job queued twice (the sweep) finds nothing to do
    with db.session() as s:
        delivery = s.get(Delivery, delivery_id)
        assert delivery.status == DeliveryStatus.approved and delivery.validated_at
        kinds = sorted(r.kind.value for r in _reports(s, delivery_id))
        assert kinds == sorted([ReportKind.technical.value, ReportKind.readiness.value])
        progress = deliveries.delivery_progress(s, _actor(s, "anna.devries"), delivery_id)
        assert progress.stage == "klaar" and progress.report.verdict == "Goedgekeurd"
        assert progress.report.report_id and progress.report.municipality_code == "0363"


def test_a_stale_claim_cannot_record(db):
    view, _ = _send(db)
    first = validation_jobs.claim(view.receipt.delivery_id)
    assert isinstance(first, validation_jobs.Claim)
    assert validation_jobs.claim(view.receipt.delivery_id) is None  # claimed: not twice
    with db.session() as s:  # the sweep gave it to another worker, which claimed it anew
        delivery = s.get(Delivery, view.receipt.delivery_id)
        delivery.validation_claimed_by = "elsewhere:1:abc"
        s.add(delivery)
    from cbs_monitor.protocol import validate_upload

    with db.session() as s:
        data = storage.get(s.get(Delivery, first.delivery_id).storage_key)
    result = validate_upload(first.filename, data, context=first.context)
    assert validation_jobs.complete(first, result) is False
    with db.session() as s:
        assert _reports(s, first.delivery_id) == []


def test_one_municipality_validates_one_file_at_a_time(db, monkeypatch):
    monkeypatch.setenv("CBS_MONITOR_MAX_PENDING_PER_MUNICIPALITY", "5")
    reset_settings()
    first, _ = _send(db, seed=1)
    second, _ = _send(db, seed=2)
    other, _ = _send(db, "carla.bakker", "0344", seed=3)
    assert isinstance(validation_jobs.claim(first.receipt.delivery_id), validation_jobs.Claim)
    # Amsterdam's second file waits its turn; Utrecht's file is not held up by it.
    assert validation_jobs.claim(second.receipt.delivery_id) is validation_jobs.BUSY
    assert isinstance(validation_jobs.claim(other.receipt.delivery_id), validation_jobs.Claim)


def test_a_job_that_keeps_failing_ends_in_a_technical_error_that_everyone_hears_of(db):
    view, _ = _send(db)
    delivery_id = view.receipt.delivery_id
    with db.session() as s:
        storage.delete(s.get(Delivery, delivery_id).storage_key)  # the job cannot read the file
    for _ in range(3):
        validation_jobs.run(delivery_id)
    with db.session() as s:
        delivery = s.get(Delivery, delivery_id)
        assert delivery.status == DeliveryStatus.technical_error
        assert delivery.validation_attempts == 3 and delivery.validation_error
        log = s.exec(select(Message).where(Message.delivery_id == delivery_id)).all()
        failed = [m for m in log if m.kind == "technische_fout"]
        assert len(failed) == 1 and "technische fout" in failed[0].text
        assert "hoeft het niet opnieuw" in failed[0].text
        mails = s.exec(
            select(OutboxMail).where(OutboxMail.key.like(f"validation-failed/{delivery_id}/%"))
        ).all()
        # Amsterdam's productbeheerder and the CBS reviewer hear of it.
        assert sorted((m.key.split("/")[2], m.recipient.split(" <")[0]) for m in mails) == [
            ("cbs", "Frank de Boer"),
            ("municipality", "Anna de Vries"),
        ]
        assert all("technische fout" in (m.subject + m.body_text).lower() for m in mails)
        progress = deliveries.delivery_progress(s, _actor(s, "anna.devries"), delivery_id)
        assert progress.stage == "fout" and "CBS is gewaarschuwd" in progress.text
        ophalen = retrieval.retrieve_page(s, _actor(s, "anna.devries"), "0363")
        row = next(r for r in ophalen.rows if r.delivery_id == delivery_id)
        assert row.technical.status == "technische fout"
        rows, _total, counts = overview.overview(
            s, _actor(s, "frank.deboer"), "2026H1", search="0363"
        )
        assert rows[0].status == overview.TECHNICAL_ERROR
        assert counts.by_status[overview.TECHNICAL_ERROR] == 1


def test_the_sweep_queues_again_what_a_dead_worker_held(db):
    view, _ = _send(db)
    delivery_id = view.receipt.delivery_id
    claim = validation_jobs.claim(delivery_id)
    assert isinstance(claim, validation_jobs.Claim)
    assert validation_jobs.sweep() == 0  # a live claim is left alone
    with db.session() as s:  # the worker that held it died (a pid that does not run)
        delivery = s.get(Delivery, delivery_id)
        host = delivery.validation_claimed_by.split(":", 1)[0]
        delivery.validation_claimed_by = f"{host}:999999999:dead"
        s.add(delivery)
    before = validation_queue.pending_jobs()
    assert validation_jobs.sweep() == 1
    assert validation_jobs.sweep() == 0  # queued again once, not on every sweep
    assert validation_queue.pending_jobs() == before + 1
    validation_jobs.run(delivery_id)
    with db.session() as s:
        assert s.get(Delivery, delivery_id).status == DeliveryStatus.approved


def test_a_full_queue_says_so_and_stores_nothing(db, monkeypatch):
    monkeypatch.setenv("CBS_MONITOR_MAX_PENDING_PER_MUNICIPALITY", "1")
    reset_settings()
    _send(db, seed=1)
    with db.session() as s:
        before = len(s.exec(select(Delivery)).all())
    with pytest.raises(DeliveryRefused, match="al 1 bestand van deze gemeente"):
        _send(db, seed=2)
    with db.session() as s:
        assert len(s.exec(select(Delivery)).all()) == before


def test_a_rolled_back_receipt_leaves_no_file_behind(db):
    filename, data = generate_sample("0363", "2026H1", records=20, seed=4, created=clock.today())
    keys: list[str] = []
    original = storage.put

    def put(payload: bytes, db=None) -> str:
        keys.append(original(payload, db))
        return keys[-1]

    storage.put, saved = put, storage.put
    try:
        with pytest.raises(RuntimeError), db.session() as s:
            deliveries.deliver(
                s,
                _actor(s, "anna.devries"),
                "0363",
                filename,
                io.BytesIO(data).read,
                terms_accepted=True,
            )
            raise RuntimeError("the disk is full")  # the commit never happens
    finally:
        storage.put = saved
    assert keys and not storage.exists(keys[0])


def test_a_refused_upload_gets_its_report_at_once_and_is_not_stored(db):
    with db.session() as s:
        before = len(s.exec(select(Delivery)).all())
        view = deliveries.deliver(
            s,
            _actor(s, "anna.devries"),
            "0363",
            "rapport.pdf",
            io.BytesIO(b"%PDF-1.4").read,
            terms_accepted=True,
        )
    assert view.receipt is None and view.refused.verdict == "Geweigerd"
    assert view.refused.stored is False
    with db.session() as s:
        assert len(s.exec(select(Delivery)).all()) == before


def test_position_in_the_queue(db, monkeypatch):
    monkeypatch.setenv("CBS_MONITOR_MAX_PENDING_PER_MUNICIPALITY", "5")
    reset_settings()
    first, _ = _send(db, seed=1)
    clock.set_fixed(NOW + dt.timedelta(seconds=1))
    second, _ = _send(db, "carla.bakker", "0344", seed=2)
    with db.session() as s:
        progress = deliveries.delivery_progress(
            s, _actor(s, "carla.bakker"), second.receipt.delivery_id
        )
        assert progress.stage == "wachtrij" and "nog 1 bestand voor uw bestand" in progress.text
    validation_jobs.claim(first.receipt.delivery_id)
    with db.session() as s:
        mine = deliveries.delivery_progress(s, _actor(s, "anna.devries"), first.receipt.delivery_id)
        assert mine.stage == "controle"


def test_a_starting_worker_queues_again_what_was_taken_but_never_claimed(db):
    view, _ = _send(db)
    delivery_id = view.receipt.delivery_id
    # A killed worker had taken the job off the queue: nothing claims the delivery.
    validation_queue.queue().flush()
    assert validation_jobs.sweep() == 0  # the periodic sweep waits a minute for such a job
    assert validation_jobs.sweep(started_at=clock.now() + dt.timedelta(seconds=1)) == 1
    assert validation_queue.pending_jobs() == 1
    validation_jobs.run(delivery_id)
    with db.session() as s:
        assert s.get(Delivery, delivery_id).status == DeliveryStatus.approved


def test_the_sweep_leaves_a_claim_made_after_it_read_the_queue(db, monkeypatch):
    view, _ = _send(db)
    delivery_id = view.receipt.delivery_id
    with db.session() as s:  # a dead worker's claim, as the sweep reads it
        delivery = s.get(Delivery, delivery_id)
        host = socket.gethostname()
        delivery.validation_claimed_by = f"{host}:999999999:dead"
        delivery.validation_claimed_at = clock.now()
        s.add(delivery)
    original = validation_jobs._claim_is_dead

    def claimed_meanwhile(claimed_by):
        # Between the sweep's read and its update, a starting worker claims the delivery.
        with db.session() as s:
            fresh = s.get(Delivery, delivery_id)
            fresh.validation_claimed_by = "host:1:fresh"
            fresh.validation_claimed_at = clock.now()
            s.add(fresh)
        return original(claimed_by)

    monkeypatch.setattr(validation_jobs, "_claim_is_dead", claimed_meanwhile)
    assert validation_jobs.sweep() == 0
    with db.session() as s:
        assert s.get(Delivery, delivery_id).validation_claimed_by == "host:1:fresh"
