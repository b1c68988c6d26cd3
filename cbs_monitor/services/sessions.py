"""Server-side login sessions: the browser holds only an opaque id in an HttpOnly cookie."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from http.cookies import SimpleCookie

from sqlmodel import Session, select

from cbs_monitor import clock
from cbs_monitor.models import UserSession
from cbs_monitor.settings import get_settings

COOKIE_NAME = "cbs_monitor_session"
# Writing last_seen on every event would turn each click into a DB write; a minute is precise enough.
_TOUCH_INTERVAL = dt.timedelta(seconds=60)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_session(db: Session, user_id: int) -> str:
    """Start a session; returns the opaque token for the cookie (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    db.add(UserSession(token_hash=_hash(token), user_id=user_id, created_at=now, last_seen_at=now))
    db.flush()
    return token


def _is_live(row: UserSession, now: dt.datetime) -> bool:
    settings = get_settings()
    if row.ended_at is not None:
        return False
    if now - row.last_seen_at > dt.timedelta(minutes=settings.session_idle_minutes):
        return False
    if now - row.created_at > dt.timedelta(hours=settings.session_max_hours):
        return False
    return True


def resolve_session(db: Session, token: str | None, *, touch: bool = True) -> UserSession | None:
    """The live session for a token, or None (unknown, ended, idle too long or too old)."""
    if not token:
        return None
    row = db.exec(select(UserSession).where(UserSession.token_hash == _hash(token))).first()
    if row is None:
        return None
    now = clock.now()
    if not _is_live(row, now):
        return None
    if touch and now - row.last_seen_at > _TOUCH_INTERVAL:
        row.last_seen_at = now
        db.add(row)
        db.flush()
    return row


def end_session(db: Session, token: str | None) -> None:
    if not token:
        return
    row = db.exec(select(UserSession).where(UserSession.token_hash == _hash(token))).first()
    if row is not None and row.ended_at is None:
        row.ended_at = clock.now()
        db.add(row)
        db.flush()


def token_from_cookie_header(header: str | None) -> str | None:
    if not header:
        return None
    jar = SimpleCookie()
    try:
        jar.load(header)
    except Exception:  # noqa: BLE001 — a malformed cookie header means: no session
        return None
    morsel = jar.get(COOKIE_NAME)
    return morsel.value if morsel else None


def cookie_attributes(secure: bool) -> dict:
    """Attributes for Starlette's set_cookie: HttpOnly, SameSite=Lax, Secure under https."""
    return {
        "key": COOKIE_NAME,
        "httponly": True,
        "samesite": "lax",
        "secure": secure,
        "path": "/",
    }
