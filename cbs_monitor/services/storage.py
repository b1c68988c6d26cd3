"""Private, content-addressed file storage outside Reflex's public upload folder (atomic writes)."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

from cbs_monitor.settings import get_settings

_KEY_RE = re.compile(r"^[0-9a-f]{64}$")


class StorageError(Exception):
    pass


def _path(key: str) -> Path:
    if not _KEY_RE.match(key or ""):
        raise StorageError("invalid storage key")
    return get_settings().storage_dir / key[:2] / key


def put(data: bytes) -> str:
    """Store bytes; the key is their SHA-256. Written to a temp file and renamed, so never half a file."""
    key = hashlib.sha256(data).hexdigest()
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
    return key


def get(key: str) -> bytes:
    return _path(key).read_bytes()


def exists(key: str) -> bool:
    return _path(key).exists()


def delete(key: str) -> bool:
    """Remove a stored file; True when it was there."""
    path = _path(key)
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def stored_files() -> Iterator[tuple[str | None, Path]]:
    """Every file in storage as (key, path); key None for what is no stored file (a temp file
    left by a crash mid-write)."""
    root = get_settings().storage_dir
    if not root.is_dir():
        return
    for folder in sorted(root.iterdir()):
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.is_file():
                key = (
                    path.name if _KEY_RE.match(path.name) and path.name[:2] == folder.name else None
                )
                yield key, path
