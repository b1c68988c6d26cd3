"""A named lease in the database so that exactly one scheduler instance acts at a time."""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from cbs_monitor.models import SchedulerLease

UTC = dt.UTC
SCHEDULER = "scheduler"


def wall_clock() -> dt.datetime:
    """Real time. A lease measures whether a process is alive, not business time: with a fixed
    demo clock (clock.set_fixed / CBS_MONITOR_CLOCK_FIXED) a lease on clock.now() would never
    lapse and a dead holder would never be replaced."""
    return dt.datetime.now(UTC)


def new_holder_id() -> str:
    """host:pid:random, unique per scheduler instance (a restarted process gets a new one)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def acquire(
    db: Session,
    holder: str,
    ttl_seconds: float,
    *,
    name: str = SCHEDULER,
    now: dt.datetime | None = None,
) -> bool:
    """Take or renew the lease for `ttl_seconds`. True when `holder` holds it afterwards.

    One conditional UPDATE (ours, or lapsed) or one INSERT: the database decides, so two
    processes that try at the same moment cannot both win. Use a session of its own: this
    commits or rolls back."""
    now = now or wall_clock()
    expires = now + dt.timedelta(seconds=ttl_seconds)
    taken = db.execute(
        update(SchedulerLease)
        .where(SchedulerLease.name == name)
        .where((SchedulerLease.holder == holder) | (SchedulerLease.expires_at < now))
        .values(holder=holder, expires_at=expires)
    ).rowcount
    if taken:
        db.commit()
        return True
    db.rollback()
    if db.get(SchedulerLease, name) is not None:
        return False  # someone else holds a live lease
    try:
        db.add(SchedulerLease(name=name, holder=holder, expires_at=expires))
        db.commit()
    except IntegrityError:
        db.rollback()  # another instance inserted it first
        return False
    return True


def release(db: Session, holder: str, *, name: str = SCHEDULER) -> bool:
    """Give the lease up (clean shutdown) so another instance can take over at once. Commits."""
    released = db.execute(
        update(SchedulerLease)
        .where(SchedulerLease.name == name, SchedulerLease.holder == holder)
        .values(expires_at=wall_clock() - dt.timedelta(seconds=1))
    ).rowcount
    db.commit()
    return bool(released)


def current_holder(
    db: Session, *, name: str = SCHEDULER, now: dt.datetime | None = None
) -> str | None:
    """Who holds a live lease now (None when nobody does)."""
    lease = db.get(SchedulerLease, name)
    holder, expires = (lease.holder, lease.expires_at) if lease is not None else (None, None)
    db.rollback()  # do not keep a read transaction open
    if expires is None or expires <= (now or wall_clock()):
        return None
    return holder
