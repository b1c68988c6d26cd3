"""Server-side sessions: opaque hashed token, idle and absolute timeouts, logout."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from cbs_monitor import clock
from cbs_monitor.models import User, UserSession
from cbs_monitor.services import sessions

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def anna(dbs) -> int:
    return dbs.exec(select(User).where(User.employee_id == "anna.devries")).one().id


def _at(minutes: float) -> None:
    clock.set_fixed(START + dt.timedelta(minutes=minutes))


def test_only_the_hash_of_the_token_is_stored(dbs, anna):
    clock.set_fixed(START)
    token = sessions.create_session(dbs, anna)
    assert len(token) >= 40
    rows = dbs.exec(select(UserSession)).all()
    assert all(token not in (r.token_hash or "") for r in rows)
    assert sessions.resolve_session(dbs, token).user_id == anna


def test_idle_timeout_fifteen_minutes(dbs, anna):
    _at(0)
    token = sessions.create_session(dbs, anna)
    _at(14.9)
    assert sessions.resolve_session(dbs, token, touch=False) is not None
    _at(15.1)
    assert sessions.resolve_session(dbs, token) is None


def test_activity_keeps_the_session_alive_up_to_eight_hours(dbs, anna):
    _at(0)
    token = sessions.create_session(dbs, anna)
    minute = 0.0
    while minute < 8 * 60 - 10:
        minute += 10
        _at(minute)
        assert sessions.resolve_session(dbs, token) is not None, minute
    _at(8 * 60 + 0.5)
    assert sessions.resolve_session(dbs, token) is None


def test_timeouts_are_configurable(dbs, anna, monkeypatch):
    from cbs_monitor.settings import reset_settings

    monkeypatch.setenv("CBS_MONITOR_SESSION_IDLE_MINUTES", "5")
    reset_settings()
    try:
        _at(0)
        token = sessions.create_session(dbs, anna)
        _at(5.5)
        assert sessions.resolve_session(dbs, token) is None
    finally:
        reset_settings()


def test_logout_ends_the_session(dbs, anna):
    token = sessions.create_session(dbs, anna)
    sessions.end_session(dbs, token)
    assert sessions.resolve_session(dbs, token) is None
    sessions.end_session(dbs, token)  # twice is harmless
    sessions.end_session(dbs, None)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "cbs_monitor_session=",
        "cbs_monitor_session=forged-token",
        "other=1",
        'cbs_monitor_session="x;',
    ],
)
def test_unknown_or_tampered_cookies_give_no_session(dbs, anna, header):
    sessions.create_session(dbs, anna)
    assert sessions.resolve_session(dbs, sessions.token_from_cookie_header(header)) is None


def test_tampered_token_gives_no_session(dbs, anna):
    token = sessions.create_session(dbs, anna)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert sessions.resolve_session(dbs, tampered) is None
    header = f"foo=bar; {sessions.COOKIE_NAME}={token}"
    assert sessions.resolve_session(dbs, sessions.token_from_cookie_header(header)).user_id == anna


def test_cookie_attributes():
    attrs = sessions.cookie_attributes(secure=True)
    assert attrs["httponly"] is True and attrs["samesite"] == "lax" and attrs["secure"] is True
    assert sessions.cookie_attributes(secure=False)["secure"] is False
