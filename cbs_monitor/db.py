"""Database engine and sessions for services, states, CLI and scheduler alike."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator

import sqlalchemy
from sqlalchemy import event
from sqlmodel import Session, create_engine

from cbs_monitor.settings import get_settings


@functools.lru_cache(maxsize=8)
def engine_for(url: str) -> sqlalchemy.Engine:
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
