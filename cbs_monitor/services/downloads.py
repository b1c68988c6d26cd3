"""Short-lived, single-use download links: granted after the permission check, redeemed once."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlmodel import Session, select

from cbs_monitor import clock
from cbs_monitor.models import DownloadGrant

LIFETIME = dt.timedelta(seconds=60)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def grant(db: Session, user_id: int, kind: str, **params) -> str:
    """Issue a token for one download of `kind` with `params`; the caller has checked permission."""
    token = secrets.token_urlsafe(24)
    now = clock.now()
    db.add(
        DownloadGrant(
            token_hash=_hash(token),
            user_id=user_id,
            kind=kind,
            params=params,
            created_at=now,
            expires_at=now + LIFETIME,
        )
    )
    db.flush()
    return token


def redeem(db: Session, token: str, user_id: int | None) -> DownloadGrant | None:
    """The grant if it is live, unused and belongs to this user; marks it used."""
    if not token or user_id is None:
        return None
    row = db.exec(select(DownloadGrant).where(DownloadGrant.token_hash == _hash(token))).first()
    now = clock.now()
    if row is None or row.used_at is not None or row.expires_at < now or row.user_id != user_id:
        return None
    row.used_at = now
    db.add(row)
    db.flush()
    return row
