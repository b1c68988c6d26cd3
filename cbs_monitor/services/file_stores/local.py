"""Files in a local folder (`data/files/ab/abcd…`), the embedded default: written to a temp file
and renamed, so never half a file.

A put is durable before the delivery row that points at it commits; when that transaction does
not commit, the file goes again (db.after_rollback), unless it was there before (the same bytes
delivered earlier share it). A crash in between leaves a stray file for the sweep."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from sqlmodel import Session

from cbs_monitor import db as db_module
from cbs_monitor.services.file_stores import StoredFile, is_key, key_of
from cbs_monitor.settings import get_settings


def _root() -> Path:
    return get_settings().storage_dir


def _path(key: str) -> Path:
    return _root() / key[:2] / key


def _mtime(path: Path) -> dt.datetime:
    return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)


def put(data: bytes, db: Session | None) -> str:
    key = key_of(data)
    path = _path(key)
    if path.exists():
        # The same bytes again: fresh for the stray-file sweep until this delivery's row commits.
        os.utime(path)
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    if db is not None:
        db_module.after_rollback(db, lambda: delete(key))
    return key


def get(key: str) -> bytes:
    return _path(key).read_bytes()


def exists(key: str) -> bool:
    return _path(key).exists()


def delete(key: str) -> bool:
    try:
        _path(key).unlink()
    except FileNotFoundError:
        return False
    return True


def stored_files(touched_before: dt.datetime) -> Iterator[StoredFile]:
    root = _root()
    if not root.is_dir():
        return
    for folder in sorted(root.iterdir()):
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            try:
                touched_at = _mtime(path) if path.is_file() else None
            except FileNotFoundError:
                continue
            if touched_at is None or touched_at > touched_before:
                continue
            key = path.name if is_key(path.name) and path.name[:2] == folder.name else None
            yield StoredFile(name=f"{folder.name}/{path.name}", key=key, touched_at=touched_at)


def discard(stored: StoredFile) -> bool:
    root = _root().resolve()
    path = (root / stored.name).resolve()
    if path.parent.parent != root:
        return False  # not a name this backend gave out
    try:
        if _mtime(path) > stored.touched_at:
            return False  # stored again since it was listed: a delivery is about to point at it
        path.unlink()
    except FileNotFoundError:
        return False
    return True
