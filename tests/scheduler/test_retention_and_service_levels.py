"""Retention of delivered files after publication, the overdue list for CBS, the CLI commands."""

import datetime as dt
import os

import pytest
from sqlmodel import select

from cbs_monitor import cli, clock
from cbs_monitor.models import Delivery, Report, ReportKind, ReportStatus
from cbs_monitor.services import retention, service_levels
from tests.scheduler.conftest import local

D = dt.date


@pytest.fixture
def published(world):
    world.add_period(
        "2025H2",
        (D(2026, 1, 5), D(2026, 2, 27)),
        (D(2026, 3, 12), D(2026, 3, 23)),
        publication=D(2026, 4, 15),
    )
    world.add_period("2026H1", (D(2026, 7, 1), D(2026, 8, 31)), (D(2026, 9, 14), D(2026, 9, 25)))
    return world


class Store:
    def __init__(self):
        self.deleted = []

    def delete(self, key):
        self.deleted.append(key)
        return True


def _deliveries(world):
    with world.db.session() as s:
        return {d.id: d for d in s.exec(select(Delivery))}


def test_files_go_retention_days_after_publication_and_the_record_stays(published, monkeypatch):
    monkeypatch.setenv("CBS_MONITOR_RETENTION_DAYS", "30")
    from cbs_monitor.settings import reset_settings

    reset_settings()
    w = published
    w.at(local(2026, 1, 10, 10))
    old = w.deliver("0363", "2025H2", approved=True, storage_key="a" * 64)
    w.at(local(2026, 7, 2, 10))
    new = w.deliver("0363", "2026H1", approved=True, storage_key="b" * 64)
    store = Store()
    with w.db.session() as s:
        assert retention.apply_retention(s, D(2026, 5, 14), store=store).records_cleared == 0
        result = retention.apply_retention(
            s, D(2026, 5, 15), store=store, now=local(2026, 5, 15, 3)
        )
        assert (result.files_deleted, result.records_cleared) == (1, 1)
        assert retention.apply_retention(s, D(2026, 5, 16), store=store).records_cleared == 0
    assert store.deleted == ["a" * 64]
    rows = _deliveries(w)
    assert rows[old].storage_key is None and rows[old].file_deleted_at == local(2026, 5, 15, 3)
    assert rows[old].filename and rows[old].sha256  # the record of the delivery is kept
    assert rows[new].storage_key == "b" * 64


def test_a_file_still_used_by_a_kept_period_survives(published):
    w = published
    w.at(local(2026, 1, 10, 10))
    old = w.deliver("0363", "2025H2", approved=True, storage_key="c" * 64)
    w.at(local(2026, 7, 2, 10))
    w.deliver("0363", "2026H1", approved=True, storage_key="c" * 64)  # the very same bytes
    store = Store()
    with w.db.session() as s:
        assert retention.apply_retention(s, D(2027, 6, 1), store=store).records_cleared == 1
    assert store.deleted == []
    assert _deliveries(w)[old].storage_key is None


def test_with_the_real_private_storage(published, file_storage):
    from cbs_monitor.services import storage

    w = published
    key = storage.put(b"Gemeentecode;...\n")
    w.at(local(2026, 1, 10, 10))
    w.deliver("0363", "2025H2", approved=True, storage_key=key)
    assert storage.exists(key)
    with w.db.session() as s:
        assert retention.apply_retention(s, D(2027, 6, 1)).files_deleted == 1
    assert not storage.exists(key)


def test_without_a_storage_module_nothing_is_cleared(published, monkeypatch):
    monkeypatch.setattr(retention, "default_store", lambda: None)
    w = published
    w.at(local(2026, 1, 10, 10))
    w.deliver("0363", "2025H2", approved=True)
    with w.db.session() as s:
        assert retention.apply_retention(s, D(2027, 6, 1)).skipped_no_storage
    assert all(d.storage_key for d in _deliveries(w).values())


def test_overdue_and_due_soon_reports(published):
    w = published
    w.at(local(2026, 7, 2, 10))  # Thursday
    held = w.deliver("0363", "2026H1", approved=True, hold_readiness=True)
    w.at(local(2026, 7, 3, 10))
    w.deliver("0344", "2026H1", approved=True)  # readiness ready at once: not open
    w.at(local(2026, 1, 20, 10))
    w.deliver("0014", "2025H2", approved=True, hold_readiness=True)
    with w.db.session() as s:
        due = (
            s.exec(
                select(Report).where(
                    Report.delivery_id == held, Report.kind == ReportKind.readiness
                )
            )
            .one()
            .due_at
        )
        assert clock.to_local(due) == local(2026, 7, 6, 23, 59, 59)  # Thu + 2 working days = Mon

        now = local(2026, 7, 2, 11)  # Thursday: due Monday is not yet soon
        assert [r.delivery_id for r in service_levels.due_soon_reports(s, "2026H1", now=now)] == []
        now = local(2026, 7, 3, 9)  # Friday: Monday is the next working day
        soon = service_levels.due_soon_reports(s, "2026H1", now=now)
        assert [(r.delivery_id, r.kind, r.overdue) for r in soon] == [
            (held, ReportKind.readiness, False)
        ]

        now = local(2026, 7, 8, 9)  # Wednesday: Tuesday and Wednesday passed
        late = service_levels.overdue_reports(s, "2026H1", now=now)
        assert [(r.municipality_name, r.working_days_late, r.kind_label) for r in late] == [
            ("Amsterdam", 2, "Op orde rapport")
        ]
        everywhere = service_levels.overdue_reports(s, now=now)
        assert [r.municipality_code for r in everywhere] == [
            "0014",
            "0363",
        ]  # earliest deadline first

        report = s.exec(
            select(Report).where(Report.delivery_id == held, Report.kind == ReportKind.readiness)
        ).one()
        assert service_levels.is_overdue(report.status, report.due_at, now)
        report.status = ReportStatus.ready
        s.add(report)
        s.flush()
        assert service_levels.overdue_reports(s, "2026H1", now=now) == []


def test_reports_of_a_replaced_delivery_are_not_listed(published):
    w = published
    w.at(local(2026, 7, 2, 10))
    w.deliver("0363", "2026H1", approved=True, hold_readiness=True)
    w.at(local(2026, 7, 3, 10))
    newer = w.deliver("0363", "2026H1", approved=True, hold_readiness=True)
    with w.db.session() as s:
        rows = service_levels.open_reports(s, "2026H1", now=local(2026, 7, 20, 9))
    assert [r.delivery_id for r in rows] == [newer]


# --- CLI ------------------------------------------------------------------------------------


def test_cli_scheduler_once_and_send_mail(published, capsys):
    published.add_period(
        "2026H1", (D(2026, 7, 1), D(2026, 8, 31)), (D(2026, 9, 14), D(2026, 9, 25))
    )
    published.at(local(2026, 7, 1, 9))
    assert cli.main(["scheduler", "--once"]) == 0
    out = capsys.readouterr().out
    assert "delivery-opened/2026H1" in out and "7 mail(s) sent" in out
    assert cli.main(["send-mail"]) == 0
    assert "0 mail(s) sent" in capsys.readouterr().out
    assert len(published.eml_files()) == 7


def test_cli_lists_the_commands():
    help_text = cli.build_parser().format_help()
    assert "scheduler" in help_text and "send-mail" in help_text


def test_the_sweep_removes_stored_files_without_a_delivery(published, file_storage):
    """Issue 11 item 7: a file whose delivery row never committed (a crash between the two) holds
    BSNs that retention would never find; the scheduler's sweep removes it after the grace time.
    On both backends (issue 14): the folder, and the database every node reaches."""
    from cbs_monitor.scheduler import transitions
    from cbs_monitor.services import storage
    from cbs_monitor.settings import get_settings
    from tests.stored_files import age

    hour = dt.timedelta(hours=1)
    w = published
    w.at(local(2026, 7, 2, 10))
    delivered = storage.put(b"delivered;123456782\n")
    delivery_id = w.deliver("0363", "2026H1", approved=True, storage_key=delivered)
    report_file = storage.put(b"a report file")
    with w.db.session() as s:
        report = s.exec(select(Report).where(Report.delivery_id == delivery_id)).first()
        report.storage_key = report_file
        s.add(report)
    stray = storage.put(b"stray;999999990\n")  # its delivery's transaction never committed
    fresh = storage.put(b"being delivered right now\n")  # its row is about to commit
    for key in (delivered, report_file, stray):
        age(key, hour)
    debris = 0
    if file_storage == "local":  # a temp file left by a crash mid-write: only a folder has them
        leftover = get_settings().storage_dir / stray[:2] / ".tmp-crashed"
        leftover.write_bytes(b"half a file")
        stamp = (storage.real_now() - hour).timestamp()
        os.utime(leftover, (stamp, stamp))
        debris = 1

    with w.db.session() as s:
        assert retention.sweep_stray_files(s) == 1 + debris
    assert storage.exists(delivered) and storage.exists(report_file) and storage.exists(fresh)
    assert not storage.exists(stray)
    if debris:
        assert not leftover.exists()

    # The same bytes stored again count as fresh: a new delivery of an old stray file is safe.
    age(fresh, hour)
    assert storage.put(b"being delivered right now\n") == fresh
    with w.db.session() as s:
        assert retention.sweep_stray_files(s) == 0
    assert storage.exists(fresh)

    # The scheduler's reconcile runs the sweep.
    age(fresh, hour)
    assert "stray-files:1" in transitions.reconcile()
    assert not storage.exists(fresh) and storage.exists(delivered)
