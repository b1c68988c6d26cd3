"""Database engine and sessions for services, states, CLI and scheduler alike."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator

import sqlalchemy
from sqlalchemy import event
from sqlmodel import Session, create_engine

from cbs_monitor.settings import get_settings

_ENGINES: list[sqlalchemy.Engine] = []


@functools.lru_cache(maxsize=8)
def engine_for(url: str) -> sqlalchemy.Engine:
    engine = _create(url)
    _ENGINES.append(engine)
    return engine


def _create(url: str) -> sqlalchemy.Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def get_engine() -> sqlalchemy.Engine:
    return engine_for(get_settings().db_url)


@contextlib.contextmanager
def session() -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(get_engine(), expire_on_commit=False) as db:
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise


# --- work that must wait for the outcome of a transaction ----------------------------------
# A job may only be queued once its delivery row is committed (a worker would not find it), and
# a stored file must go again when the row that points at it was rolled back (no orphaned BSNs).
# Only the outermost transaction counts: a savepoint that rolls back (begin_nested) is not the end.


def after_commit(db: Session, fn: Callable[[], None]) -> None:
    """Run `fn` once this session's transaction has committed (not at all if it rolls back)."""
    db.info.setdefault("after_commit", []).append(fn)


def after_rollback(db: Session, fn: Callable[[], None]) -> None:
    """Run `fn` if this session's transaction ends without a commit (not if it commits)."""
    db.info.setdefault("after_rollback", []).append(fn)


@event.listens_for(Session, "after_commit")
def _committed(db: Session) -> None:
    if db.in_nested_transaction():
        return  # a savepoint was released: the outer transaction can still roll back
    db.info.pop("after_rollback", None)
    for fn in db.info.pop("after_commit", []):
        fn()


@event.listens_for(Session, "after_transaction_end")
def _ended(db: Session, transaction) -> None:
    if transaction.parent is not None or transaction.nested:
        return  # a savepoint or an inner subtransaction: the outcome is still open
    db.info.pop("after_commit", None)  # still here: the transaction did not commit
    for fn in db.info.pop("after_rollback", []):
        fn()
