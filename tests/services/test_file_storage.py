"""Private file storage on both backends (issue 14: files every node reaches): the folder and the
portal's own database, through the one interface; the sweep and retention on each; a delivery
end to end with the database backend, its worker on another node."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import text
from sqlmodel import func, select

from cbs_monitor import clock
from cbs_monitor.models import (
    Delivery,
    Message,
    Report,
    ReportingPeriod,
    ReportKind,
    StoredFile,
    User,
)
from cbs_monitor.protocol.sample import generate_sample
from cbs_monitor.services import (
    deliveries,
    downloads,
    messages,
    report_files,
    retention,
    storage,
    validation_jobs,
)
from cbs_monitor.services.file_stores import database as database_store
from cbs_monitor.services.permissions import load_actor
from cbs_monitor.settings import get_settings, reset_settings
from tests.conftest import POSTGRES
from tests.stored_files import age, keys

NOW = dt.datetime(2026, 11, 29, 10, 0)
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def store(file_storage, demo_db):
    """The storage interface on one backend, with the demo database (a fresh one per test)."""
    clock.set_fixed(NOW)
    return demo_db


def _actor(s, employee_id="anna.devries"):
    return load_actor(s, s.exec(select(User).where(User.employee_id == employee_id)).one().id)


def _deliver(db, *, seed=1, records=40):
    filename, data = generate_sample(
        "0363", "2026H1", records=records, seed=seed, created=clock.today()
    )
    with db.session() as s:
        view = deliveries.deliver(
            s, _actor(s), "0363", filename, io.BytesIO(data).read, terms_accepted=True
        )
    assert view.receipt is not None
    return view.receipt.delivery_id, data


# --- the interface, on either backend --------------------------------------------------------


def test_put_is_idempotent_and_get_returns_the_bytes(store, file_storage):
    key = storage.put(b"Gemeentecode;BSN\n0363;123456782\n")
    assert len(key) == 64 and storage.get(key) == b"Gemeentecode;BSN\n0363;123456782\n"
    assert storage.put(b"Gemeentecode;BSN\n0363;123456782\n") == key  # the same bytes: one file
    assert keys() == [key] and storage.exists(key)
    with store.session() as s:
        rows = s.exec(select(func.count()).select_from(StoredFile)).one()
    on_disk = (get_settings().storage_dir / key[:2] / key).is_file()
    assert (rows, on_disk) == ((1, False) if file_storage == "database" else (0, True))
    other = storage.put(b"other bytes")
    assert keys() == sorted([key, other])


@pytest.mark.parametrize("bad", ["../etc/passwd", "", "A" * 64, "ab", "0" * 63 + "/"])
def test_keys_that_are_not_hashes_are_refused(store, bad):
    for operation in (storage.get, storage.exists, storage.delete):
        with pytest.raises(storage.StorageError):
            operation(bad)


def test_delete_removes_once(store):
    key = storage.put(b"to be deleted")
    assert storage.delete(key) and not storage.exists(key) and not storage.delete(key)
    with pytest.raises(FileNotFoundError):
        storage.get(key)
    assert keys() == []


def test_the_listing_gives_keys_and_times_of_what_is_old_enough(store, monkeypatch):
    monkeypatch.setattr(database_store, "PAGE", 2)  # the database lists a page at a time
    old = sorted(storage.put(f"old file {n}".encode()) for n in range(5))
    new = storage.put(b"new file")
    for key in old:
        age(key, HOUR)
    listed = list(storage.stored_files(touched_before=storage.real_now() - HOUR / 2))
    assert sorted(f.key for f in listed) == old and new not in {f.key for f in listed}
    assert all(f.touched_at <= storage.real_now() - HOUR for f in listed)
    assert keys() == sorted([*old, new])


def test_a_file_stored_again_after_it_was_listed_is_not_discarded(store):
    key = storage.put(b"listed, then delivered again")
    age(key, HOUR)
    (listed,) = storage.stored_files(touched_before=storage.real_now() - HOUR / 2)
    storage.put(b"listed, then delivered again")  # a receipt of the same bytes, right now
    assert not storage.discard(listed) and storage.exists(key)
    age(key, HOUR)
    (listed,) = storage.stored_files(touched_before=storage.real_now() - HOUR / 2)
    assert storage.discard(listed) and not storage.exists(key)


def test_the_sweep_keeps_delivered_and_young_files_and_removes_old_strays(store):
    delivery_id, data = _deliver(store)
    with store.session() as s:
        delivered = s.get(Delivery, delivery_id).storage_key
    stray = storage.put(b"stray;999999990\n")  # a receipt that crashed before its row committed
    young = storage.put(b"being received right now\n")
    for key in (delivered, stray):
        age(key, HOUR)
    with store.session() as s:
        assert retention.sweep_stray_files(s, older_than=dt.timedelta(minutes=30)) == 1
    assert storage.exists(delivered) and storage.exists(young) and not storage.exists(stray)
    age(young, dt.timedelta(minutes=29))  # inside the grace time: still kept
    with store.session() as s:
        assert retention.sweep_stray_files(s, older_than=dt.timedelta(minutes=30)) == 0
    age(young, dt.timedelta(minutes=31))
    with store.session() as s:
        assert retention.sweep_stray_files(s, older_than=dt.timedelta(minutes=30)) == 1
    assert keys() == [delivered] and storage.get(delivered) == data


def test_retention_clears_the_files_of_a_published_period(store):
    delivery_id, _ = _deliver(store)
    with store.session() as s:
        key = s.get(Delivery, delivery_id).storage_key
        period = s.get(ReportingPeriod, "2026H1")
        period.publication_date = dt.date(2027, 1, 15)
        s.add(period)
    assert storage.exists(key)
    expiry = dt.date(2027, 1, 15) + dt.timedelta(days=get_settings().retention_days)
    with store.session() as s:
        assert retention.apply_retention(s, expiry - dt.timedelta(days=1)).files_deleted == 0
        result = retention.apply_retention(s, expiry)
    assert (result.files_deleted, result.records_cleared) == (1, 1)
    assert not storage.exists(key) and keys() == []
    with store.session() as s:
        delivery = s.get(Delivery, delivery_id)
        assert delivery.storage_key is None and delivery.file_deleted_at is not None


def test_a_receipt_in_a_transaction_that_wrote_already(store):
    """The supplier API claims its idempotency key before the receipt; on SQLite that session
    holds the write lock, so the file must be written in it, not beside it."""
    filename, data = generate_sample("0363", "2026H1", records=20, seed=7, created=clock.today())
    with store.session() as s:
        messages.log_message(s, "0363", "bestand_ontvangen", "a write before the receipt")
        view = deliveries.deliver(
            s, _actor(s), "0363", filename, io.BytesIO(data).read, terms_accepted=True
        )
    with store.session() as s:
        assert storage.get(s.get(Delivery, view.receipt.delivery_id).storage_key) == data


# --- the database backend: files every node reaches ---------------------------------------


@pytest.fixture
def in_database(demo_db, monkeypatch):
    monkeypatch.setenv("CBS_MONITOR_FILE_STORAGE", "database")
    # Jobs wait on the embedded queue until this test runs them, as a worker on another node.
    monkeypatch.setenv("CBS_MONITOR_JOB_QUEUE", "sqlite")
    reset_settings()
    clock.set_fixed(NOW)
    return demo_db


def test_a_delivery_end_to_end_with_its_file_in_the_database(in_database, tmp_path, monkeypatch):
    db = in_database
    delivery_id, data = _deliver(db)
    portal_folder = get_settings().storage_dir
    assert not portal_folder.exists() or not any(portal_folder.rglob("*"))  # nothing on disk
    with db.session() as s:
        row = s.get(StoredFile, s.get(Delivery, delivery_id).storage_key)
        assert row.content == data and row.size == len(data)

    # The worker runs on another machine: its own empty data dir, the same database.
    monkeypatch.setenv("CBS_MONITOR_DATABASE_URL", get_settings().db_url)
    monkeypatch.setenv("CBS_MONITOR_DATA_DIR", str(tmp_path / "worker-node"))
    reset_settings()
    validation_jobs.run(delivery_id)
    with db.session() as s:
        delivery = s.get(Delivery, delivery_id)
        assert delivery.validated_at is not None and delivery.records_read == 40
        technical = s.exec(
            select(Report).where(
                Report.delivery_id == delivery_id, Report.kind == ReportKind.technical
            )
        ).one()
        link = report_files.grant_report(s, _actor(s), technical.id)
        user_id = _actor(s).user_id
    token = link.rsplit("/", 1)[-1]

    # The single-use link, redeemed on (yet) another node, and spent.
    with db.session() as s:
        grant = downloads.redeem(s, token, user_id)
        filename, xlsx = report_files.build(s, _actor(s), grant)
    assert filename.startswith("Technisch_rapport_WMO_0363_2026H1") and xlsx[:2] == b"PK"
    with db.session() as s:
        assert downloads.redeem(s, token, user_id) is None
        assert s.exec(select(Message).where(Message.kind == "rapport_gedownload")).first()


def test_a_rolled_back_receipt_leaves_no_file_row_behind(in_database):
    db = in_database
    filename, data = generate_sample("0363", "2026H1", records=20, seed=4, created=clock.today())
    with pytest.raises(RuntimeError), db.session() as s:
        deliveries.deliver(
            s, _actor(s), "0363", filename, io.BytesIO(data).read, terms_accepted=True
        )
        assert s.exec(select(func.count()).select_from(StoredFile)).one() == 1  # written in it
        raise RuntimeError("the disk is full")  # the commit never happens
    with db.session() as s:
        assert s.exec(select(func.count()).select_from(StoredFile)).one() == 0
        assert s.exec(select(Delivery).where(Delivery.filename == filename)).first() is None


@pytest.mark.skipif(not POSTGRES, reason="PostgreSQL pass only (scripts/test-postgres.sh)")
def test_on_postgresql_a_stored_file_is_compressed_with_lz4(in_database):
    """Migration 0007: PostgreSQL's default pglz cost about 7× the CPU of lz4 per delivery."""
    _filename, data = generate_sample("0363", "2026H1", records=300, seed=5, created=clock.today())
    key = storage.put(data)
    with in_database.session() as s:
        method = s.execute(
            text("SELECT pg_column_compression(content) FROM storedfile WHERE key = :key"),
            {"key": key},
        ).scalar_one()
    assert method == "lz4"
    assert storage.get(key) == data
