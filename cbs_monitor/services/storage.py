"""Private, content-addressed storage of delivered files, outside Reflex's public upload folder.

One interface, two backends, chosen by CBS_MONITOR_FILE_STORAGE: `local`, a folder in the data
dir (the embedded default, one machine), and `database`, the portal's own database, which every
portal node and worker reaches (services/file_stores/). Keys are the SHA-256 of the bytes, so
the same file is stored once. A put inside a receipt gets the receipt's session: a file whose
delivery row does not commit does not stay (how, is the backend's business: the folder deletes
a new file after the rollback, the database writes it in the same transaction). An object store
(S3) would be a third backend module with the same six operations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from sqlmodel import Session

from cbs_monitor.services.file_stores import (
    FileStore,
    StorageError,
    StoredFile,
    check_key,
    real_now,
)
from cbs_monitor.services.file_stores import database as database_store
from cbs_monitor.services.file_stores import local as local_store
from cbs_monitor.settings import get_settings

__all__ = [
    "StorageError",
    "StoredFile",
    "delete",
    "discard",
    "exists",
    "get",
    "put",
    "real_now",
    "stored_files",
]

BACKENDS: dict[str, FileStore] = {"local": local_store, "database": database_store}


def _backend() -> FileStore:
    return BACKENDS[get_settings().file_storage]


def put(data: bytes, db: Session | None = None) -> str:
    """Store bytes; returns their key. Idempotent: the same bytes again are one stored file,
    refreshed for the stray-file sweep. With `db` (a receipt) the file does not outlive a
    transaction that ends without a commit."""
    return _backend().put(data, db)


def get(key: str) -> bytes:
    """The stored bytes; FileNotFoundError when they are gone."""
    return _backend().get(check_key(key))


def exists(key: str) -> bool:
    return _backend().exists(check_key(key))


def delete(key: str) -> bool:
    """Remove a stored file; True when it was there."""
    return _backend().delete(check_key(key))


def stored_files(touched_before: dt.datetime | None = None) -> Iterator[StoredFile]:
    """Every stored file (and debris) last written or stored again at or before
    `touched_before` (real time; default: now), by key and time, never its bytes."""
    return _backend().stored_files(touched_before or real_now())


def discard(stored: StoredFile) -> bool:
    """Remove what stored_files listed, unless it was stored again since; True when removed."""
    return _backend().discard(stored)
