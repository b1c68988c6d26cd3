"""Test helpers for private file storage on either backend: make a stored file look old, as
the stray-file sweep sees it (the folder's mtime, the database row's touched_at)."""

from __future__ import annotations

import datetime as dt
import os

from sqlalchemy import update

from cbs_monitor import db
from cbs_monitor.models import StoredFile
from cbs_monitor.services import storage
from cbs_monitor.settings import get_settings


def age(key: str, by: dt.timedelta) -> None:
    """Set a stored file's last write `by` before now (real time)."""
    moment = storage.real_now() - by
    if get_settings().file_storage == "local":
        stamp = moment.timestamp()
        os.utime(get_settings().storage_dir / key[:2] / key, (stamp, stamp))
        return
    with db.session() as s:
        s.exec(update(StoredFile).where(StoredFile.key == key).values(touched_at=moment))


def keys() -> list[str]:
    """Every stored file's key, through the interface."""
    return sorted(f.key for f in storage.stored_files() if f.key)
