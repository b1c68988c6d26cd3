"""Files in the portal's own database (table `storedfile`): every portal node and every worker
machine reaches them, on PostgreSQL in production and on SQLite alike.

Transactions. A put in a receipt joins the receipt's transaction (the caller's session) instead
of committing on a connection of its own, as the folder's write does:
- SQLite has one writer at a time. A session that has written already (the supplier API claims
  its idempotency key first, demo seeding writes everything) holds the write lock, and a put on
  a second connection would wait for it until the busy timeout: "database is locked".
- The file row and the delivery row then commit together or not at all: a rolled-back or
  crashed receipt leaves no file with BSNs behind, and there is nothing for an after_rollback
  delete to do (which, run after the fact, could remove the same bytes a concurrent delivery had
  just stored). The stray-file sweep still looks: a put outside a receipt has no row to wait for.
The price: two receipts of the very same bytes at once wait for each other's row lock (ms).
A put without a session (tests, tools) and every other operation use a short transaction of
their own. Files are at most the upload limit (2.5 MB), so a put or get is one value, not a
stream; the sweep reads keys and times a page at a time, never the contents."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from sqlalchemy import delete as sql_delete
from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from cbs_monitor import db as db_module
from cbs_monitor.models import StoredFile as StoredFileRow
from cbs_monitor.services.file_stores import StorageError, StoredFile, key_of, real_now

# Keys and times read per query by the sweep's listing.
PAGE = 500

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def put(data: bytes, db: Session | None) -> str:
    key = key_of(data)
    if db is None:
        with db_module.session() as own:
            _store(own, key, data)
    else:
        _store(db, key, data)
    return key


def _store(db: Session, key: str, data: bytes) -> None:
    """Insert the bytes once; the same bytes again only refresh touched_at (fresh for the sweep
    until the delivery that stores them again commits). The row lock of either statement makes a
    concurrent sweep's conditional delete wait for this transaction's outcome."""
    now = real_now()
    touched = db.exec(
        update(StoredFileRow).where(col(StoredFileRow.key) == key).values(touched_at=now)
    ).rowcount
    if touched:
        return
    dialect = db.get_bind().dialect.name
    insert = _INSERTS.get(dialect)
    if insert is None:
        raise StorageError(f"file storage in the database does not support {dialect}")
    statement = insert(StoredFileRow).values(
        key=key, content=data, size=len(data), created_at=now, touched_at=now
    )
    # Another transaction inserted the same bytes in the meantime: then this is a refresh too.
    db.exec(statement.on_conflict_do_update(index_elements=["key"], set_={"touched_at": now}))
    db.flush()


def get(key: str) -> bytes:
    with db_module.session() as db:
        content = db.exec(select(StoredFileRow.content).where(StoredFileRow.key == key)).first()
    if content is None:
        raise FileNotFoundError(f"no stored file {key}")
    return content


def exists(key: str) -> bool:
    with db_module.session() as db:
        return (
            db.exec(select(StoredFileRow.key).where(StoredFileRow.key == key)).first() is not None
        )


def delete(key: str) -> bool:
    with db_module.session() as db:
        removed = db.exec(sql_delete(StoredFileRow).where(col(StoredFileRow.key) == key)).rowcount
    return removed == 1


def stored_files(touched_before: dt.datetime) -> Iterator[StoredFile]:
    """Keys and times only, a page at a time in key order (no query stays open while the
    caller removes what it found)."""
    after = ""
    while True:
        with db_module.session() as db:
            page = db.exec(
                select(StoredFileRow.key, StoredFileRow.touched_at)
                .where(
                    col(StoredFileRow.key) > after,
                    col(StoredFileRow.touched_at) <= touched_before,
                )
                .order_by(col(StoredFileRow.key))
                .limit(PAGE)
            ).all()
        for key, touched_at in page:
            yield StoredFile(name=key, key=key, touched_at=touched_at)
        if len(page) < PAGE:
            return
        after = page[-1][0]


def discard(stored: StoredFile) -> bool:
    """Delete the row unless it was stored again since it was listed (touched_at moved on); a
    receipt storing it right now holds the row lock, and this waits for its outcome."""
    with db_module.session() as db:
        removed = db.exec(
            sql_delete(StoredFileRow).where(
                col(StoredFileRow.key) == stored.name,
                col(StoredFileRow.touched_at) <= stored.touched_at,
            )
        ).rowcount
    return removed == 1
