"""Retention: delete delivered files `retention_days` after publication; keep the delivery rows.
And the sweep of stray stored files (no delivery row points at them)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import logging
from typing import Protocol

from sqlmodel import Session, col, select

from cbs_monitor import clock
from cbs_monitor.models import Delivery, Report, ReportingPeriod
from cbs_monitor.settings import get_settings

log = logging.getLogger(__name__)

STORAGE_MODULE = "cbs_monitor.services.storage"


class FileStore(Protocol):
    """What retention needs of private storage. `delete` must accept a key whose file is gone
    already (a retry after a crash between deleting the file and committing)."""

    def delete(self, key: str) -> None: ...


def default_store() -> FileStore | None:
    """The private file storage module, or None while it does not exist yet."""
    try:
        return importlib.import_module(STORAGE_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != STORAGE_MODULE:
            raise
        return None


def expiry_date(period: ReportingPeriod, retention_days: int | None = None) -> dt.date | None:
    """First day on which the period's files may no longer exist (None: not published yet)."""
    if period.publication_date is None:
        return None
    days = get_settings().retention_days if retention_days is None else retention_days
    return period.publication_date + dt.timedelta(days=days)


def expired_periods(db: Session, today: dt.date) -> list[str]:
    rows = db.exec(
        select(ReportingPeriod).where(ReportingPeriod.publication_date.is_not(None))
    ).all()
    return [p.code for p in rows if (expiry_date(p) or dt.date.max) <= today]


@dataclasses.dataclass
class RetentionResult:
    files_deleted: int = 0
    records_cleared: int = 0
    skipped_no_storage: bool = False


def apply_retention(
    db: Session,
    today: dt.date | None = None,
    *,
    store: FileStore | None = None,
    now: dt.datetime | None = None,
) -> RetentionResult:
    """Delete the files of deliveries in periods past retention; the Delivery rows stay, with
    storage_key None and file_deleted_at set. Idempotent. Commits per delivery, file first, so a
    crash leaves at worst a record that points at a deleted file (retried), never an orphan."""
    now = now or clock.now()
    today = today or clock.to_local(now).date()
    result = RetentionResult()
    codes = expired_periods(db, today)
    if not codes:
        return result
    expired = list(
        db.exec(
            select(Delivery)
            .where(Delivery.period_code.in_(codes), Delivery.storage_key.is_not(None))
            .order_by(Delivery.id)
        ).all()
    )
    if not expired:
        return result
    store = store or default_store()
    if store is None:
        log.warning(
            "retention: %d delivered files are due for deletion but %s does not exist yet",
            len(expired),
            STORAGE_MODULE,
        )
        result.skipped_no_storage = True
        return result
    deleted: set[str] = set()
    for delivery in expired:
        key = delivery.storage_key
        # Storage is content-addressed: the same file delivered for a period that is still kept
        # shares the key, and must survive.
        shared = db.exec(
            select(Delivery.id).where(
                Delivery.storage_key == key,
                Delivery.id != delivery.id,
                Delivery.period_code.not_in(codes),
            )
        ).first()
        if shared is None and key not in deleted:
            store.delete(key)
            deleted.add(key)
            result.files_deleted += 1
        delivery.storage_key = None
        delivery.file_deleted_at = now
        db.add(delivery)
        db.commit()
        result.records_cleared += 1
    return result


def sweep_stray_files(db: Session, *, older_than: dt.timedelta | None = None) -> int:
    """Remove stored files that no delivery or report points at, once older than the grace time
    (a delivery may store its file before its row commits), on either backend. The clean-up of
    a failed receipt (after_rollback in the folder, the transaction itself in the database)
    catches nearly all; this catches a crash in between. Returns how many."""
    from cbs_monitor.services import storage

    grace = older_than or dt.timedelta(minutes=get_settings().stray_file_minutes)
    referenced = {
        key
        for model in (Delivery, Report)
        for key in db.exec(select(model.storage_key).where(col(model.storage_key).is_not(None)))
    }
    # Stored-file times are real time, whatever the portal's (possibly shifted) clock says.
    cutoff = storage.real_now() - grace
    removed = 0
    for stored in storage.stored_files(touched_before=cutoff):
        if stored.key in referenced:
            continue
        # Not if it was stored again since it was listed: its delivery is about to commit.
        if storage.discard(stored):
            removed += 1
    if removed:
        log.warning("stray-file sweep: %d stored files without a delivery removed", removed)
    return removed
