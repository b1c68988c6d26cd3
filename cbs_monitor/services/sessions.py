"""Server-side login sessions: the browser holds only an opaque id in an HttpOnly cookie."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import secrets
from http.cookies import SimpleCookie

from sqlalchemy import update
from sqlmodel import Session, col, select

from cbs_monitor import clock
from cbs_monitor.models import User, UserSession
from cbs_monitor.settings import get_settings

COOKIE_NAME = "cbs_monitor_session"
# Writing last_seen on every event would turn each click into a DB write; a minute is precise enough.
_TOUCH_INTERVAL = dt.timedelta(seconds=60)


def key_of(token: str) -> str:
    """The session key: SHA-256 of the opaque token. The database and every state store hold only
    this; it cannot be turned back into a cookie that logs in."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_session(db: Session, user_id: int) -> str:
    """Start a session; returns the opaque token for the cookie (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    db.add(UserSession(token_hash=key_of(token), user_id=user_id, created_at=now, last_seen_at=now))
    db.flush()
    return token


def _is_live(
    created_at: dt.datetime,
    last_seen_at: dt.datetime,
    ended_at: dt.datetime | None,
    now: dt.datetime,
) -> bool:
    settings = get_settings()
    if ended_at is not None:
        return False
    if now - _aware(last_seen_at) > dt.timedelta(minutes=settings.session_idle_minutes):
        return False
    return now - _aware(created_at) <= dt.timedelta(hours=settings.session_max_hours)


def _aware(stamp: dt.datetime) -> dt.datetime:
    return stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=clock.UTC)


@dataclasses.dataclass(frozen=True)
class LiveSession:
    """A live session as one lookup finds it: enough to reuse a cached actor."""

    session_id: int
    user_id: int
    access_version: int
    selected_municipality_code: str | None


def live_session(db: Session, key: str | None, *, touch: bool = True) -> LiveSession | None:
    """One query per event: the live session for a key, with its user's access version (None
    when unknown, ended, idle too long, too old, or the user was deactivated)."""
    if not key:
        return None
    row = db.exec(
        select(
            UserSession.id,
            UserSession.user_id,
            UserSession.created_at,
            UserSession.last_seen_at,
            UserSession.ended_at,
            UserSession.selected_municipality_code,
            User.access_version,
        )
        .join(User, col(User.id) == UserSession.user_id)
        .where(UserSession.token_hash == key, col(User.active).is_(True))
    ).first()
    if row is None:
        return None
    session_id, user_id, created_at, last_seen_at, ended_at, selected, version = row
    now = clock.now()
    if not _is_live(created_at, last_seen_at, ended_at, now):
        return None
    if touch and now - _aware(last_seen_at) > _TOUCH_INTERVAL:
        db.exec(
            update(UserSession).where(col(UserSession.id) == session_id).values(last_seen_at=now)
        )
    assert session_id is not None
    return LiveSession(session_id, user_id, version, selected)


def resolve_session(db: Session, token: str | None, *, touch: bool = True) -> UserSession | None:
    """The live session row for a raw token (the HTTP routes, which see the cookie)."""
    if not token:
        return None
    live = live_session(db, key_of(token), touch=touch)
    return db.get(UserSession, live.session_id) if live else None


def select_municipality(db: Session, session_id: int, code: str) -> None:
    """Remember which municipality a coordinator works for (survives a reload)."""
    db.exec(
        update(UserSession)
        .where(col(UserSession.id) == session_id)
        .values(selected_municipality_code=code)
    )


def end_session(db: Session, token: str | None) -> None:
    if not token:
        return
    row = db.exec(select(UserSession).where(UserSession.token_hash == key_of(token))).first()
    if row is not None and row.ended_at is None:
        row.ended_at = clock.now()
        db.add(row)
        db.flush()


def logout_token(session_id: int) -> str:
    """The logout form's CSRF token, bound to the session: another site cannot know it, so it
    cannot log the user out."""
    key = get_settings().resolved_secret_key().encode()
    return hmac.new(key, f"logout:{session_id}".encode(), hashlib.sha256).hexdigest()


def logout_token_valid(session_id: int, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(logout_token(session_id), token or "")


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
