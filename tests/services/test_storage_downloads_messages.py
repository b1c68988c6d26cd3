"""Private storage, single-use download grants and the Berichtenlog service."""

import datetime as dt
import os

import pytest
from sqlmodel import select

from cbs_monitor import clock
from cbs_monitor.models import Message, User
from cbs_monitor.services import downloads, messages, storage
from cbs_monitor.settings import reset_settings


def test_storage_is_content_addressed_private_and_atomic(data_dir, monkeypatch):
    monkeypatch.setenv("CBS_MONITOR_FILE_STORAGE", "local")  # the folder's own promises
    reset_settings()
    key = storage.put(b"hello")
    assert len(key) == 64 and storage.get(key) == b"hello"
    path = data_dir / "files" / key[:2] / key
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    assert storage.put(b"hello") == key
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".tmp-")]
    assert storage.delete(key) and not storage.exists(key) and not storage.delete(key)


@pytest.mark.parametrize("bad", ["../etc/passwd", "", "A" * 64, "ab"])
def test_storage_refuses_keys_that_are_not_hashes(data_dir, bad):
    with pytest.raises(storage.StorageError):
        storage.get(bad)


def _user_ids(db):
    with db.session() as s:
        return [u.id for u in s.exec(select(User).order_by(User.id))]


def test_download_grant_is_single_use_personal_and_short_lived(demo_db):
    first, other = _user_ids(demo_db)[:2]
    with demo_db.session() as s:
        token = downloads.grant(s, first, "berichtenlog", municipality_code="0363")
    with demo_db.session() as s:
        assert downloads.redeem(s, token, other) is None  # someone else's link
    with demo_db.session() as s:
        grant = downloads.redeem(s, token, first)
        assert grant.params == {"municipality_code": "0363"}
    with demo_db.session() as s:
        assert downloads.redeem(s, token, first) is None  # used
    clock.set_fixed(dt.datetime(2026, 11, 29, 10, 0))
    with demo_db.session() as s:
        late = downloads.grant(s, first, "berichtenlog")
    clock.set_fixed(dt.datetime(2026, 11, 29, 10, 2))
    with demo_db.session() as s:
        assert downloads.redeem(s, late, first) is None  # expired after a minute
        assert downloads.redeem(s, "nonsense", first) is None


def test_messages_by_local_date_range_newest_first_and_idempotent_keys(demo_db):
    with demo_db.session() as s:
        clock.set_fixed(dt.datetime(2026, 3, 11, 23, 30))  # local time, still 11 March
        messages.log_message(s, "0363", "bestand_ontvangen", "a")
        clock.set_fixed(dt.datetime(2026, 3, 12, 0, 30))
        messages.log_message(s, "0363", "technisch_rapport", "b")
        messages.log_message(s, "0344", "technisch_rapport", "other municipality")
        assert messages.log_message(s, "0363", "aanleverperiode_geopend", "c", key="k1") is not None
        assert messages.log_message(s, "0363", "aanleverperiode_geopend", "c", key="k1") is None
    with demo_db.session() as s:
        day12 = messages.list_messages(s, "0363", dt.date(2026, 3, 12), dt.date(2026, 3, 12))
        assert [m.text for m in day12] == ["c", "b"] or [m.text for m in day12] == ["b", "c"]
        assert messages.count_messages(s, "0363", dt.date(2026, 3, 11), dt.date(2026, 3, 12)) == 3
        assert [
            m.text
            for m in messages.list_messages(s, "0363", dt.date(2026, 3, 11), dt.date(2026, 3, 11))
        ] == ["a"]
        assert len(s.exec(select(Message).where(Message.key == "k1")).all()) == 1
    assert messages.kind_label("technisch_rapport") == "Technisch rapport beschikbaar"
