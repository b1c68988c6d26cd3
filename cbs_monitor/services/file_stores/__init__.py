"""The backends of private file storage (`services.storage` is the interface callers use)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from typing import Protocol

from sqlmodel import Session

_KEY_RE = re.compile(r"^[0-9a-f]{64}$")


class StorageError(Exception):
    pass


def is_key(name: str) -> bool:
    return bool(_KEY_RE.match(name or ""))


def check_key(key: str) -> str:
    """A storage key is the SHA-256 of the bytes, in lower-case hex; anything else is refused
    (a key from a request or a row must never name another place)."""
    if not is_key(key):
        raise StorageError("invalid storage key")
    return key


def key_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def real_now() -> dt.datetime:
    """Stored-file times are real time, whatever the portal's (possibly shifted) clock says: the
    stray-file sweep compares them with the real time of its run."""
    return dt.datetime.now(dt.UTC)


@dataclasses.dataclass(frozen=True)
class StoredFile:
    """One entry of a backend, as the stray-file sweep sees it: never its bytes or a path."""

    name: str  # the backend's own name for it (the key, or a temp file's name)
    key: str | None  # None: debris that is no stored file (a temp file left by a crash)
    touched_at: dt.datetime  # last written or stored again (real time, UTC)


class FileStore(Protocol):
    """What a backend does; the keys it gets are checked already."""

    def put(self, data: bytes, db: Session | None) -> str: ...

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> bool: ...

    def stored_files(self, touched_before: dt.datetime) -> Iterator[StoredFile]: ...

    def discard(self, stored: StoredFile) -> bool: ...
