"""The one-time verification codes of a first login: issued by the servicedesk, hashed, limited."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import hmac
import re
import secrets

from sqlalchemy import update
from sqlmodel import Session, select

from cbs_monitor import clock
from cbs_monitor.models import (
    Identity,
    User,
    VerificationCode,
)
from cbs_monitor.services.accounts import (
    CODE_ALPHABET,
    CODE_LENGTH,
    DEMO_CODE_EMPLOYEE_ID,
    DEMO_CODE_ORGANISATION,
    DEMO_VERIFICATION_CODE,
    AccountError,
)
from cbs_monitor.services.accounts.login_binding import find_preregistered_user, link_identity
from cbs_monitor.settings import get_settings

# --- verification codes -------------------------------------------------------------------


def normalise_code(code: str) -> str:
    """Upper case, without spaces or dashes: 'demo-2026 ' and 'DEMO2026' are the same code."""
    return re.sub(r"[^0-9A-Za-z]", "", code or "").upper()


def hash_code(code: str) -> str:
    """Keyed hash (HMAC-SHA256 with the portal's secret key): a copied database alone does
    not allow guessing the short codes offline."""
    key = get_settings().resolved_secret_key().encode()
    digest = hmac.new(key, b"verification-code:" + normalise_code(code).encode(), hashlib.sha256)
    return "hmac-sha256$" + digest.hexdigest()


def generate_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


class CodeStatus(str, enum.Enum):
    none = "geen code"
    valid = "geldig"
    used = "gebruikt"
    expired = "verlopen"
    blocked = "geblokkeerd"


def current_code(db: Session, user_id: int) -> VerificationCode | None:
    """The most recently issued code of a user (by row order, which survives a shifted clock):
    a new code replaces every older one."""
    return db.exec(
        select(VerificationCode)
        .where(VerificationCode.user_id == user_id)
        .order_by(VerificationCode.id.desc())
    ).first()


def code_status(row: VerificationCode | None, now: dt.datetime | None = None) -> CodeStatus:
    if row is None:
        return CodeStatus.none
    now = now or clock.now()
    if row.used_at is not None:
        return CodeStatus.used
    if row.blocked_at is not None:
        return CodeStatus.blocked
    if row.expires_at <= now:
        return CodeStatus.expired
    return CodeStatus.valid


def issue_code(
    db: Session, user_id: int, *, issued_by_user_id: int | None = None, code: str | None = None
) -> str:
    """Issue a new one-time code for a user (replacing any older one); returns the plain code,
    which is shown once and never stored."""
    user = db.get(User, user_id)
    if user is None:
        raise AccountError("Deze gebruiker bestaat niet.")
    if not user.active:
        raise AccountError("Deze gebruiker is gedeactiveerd; activeer de gebruiker eerst.")
    plain = code or generate_code()
    now = clock.now()
    settings = get_settings()
    # Older codes end now, so only the newest one can be used.
    for old in db.exec(
        select(VerificationCode).where(
            VerificationCode.user_id == user_id,
            VerificationCode.used_at.is_(None),
            VerificationCode.expires_at > now,
        )
    ):
        old.expires_at = now
        db.add(old)
    db.add(
        VerificationCode(
            user_id=user_id,
            code_hash=hash_code(plain),
            issued_at=now,
            expires_at=now + dt.timedelta(days=settings.verification_code_days),
            issued_by_user_id=issued_by_user_id,
        )
    )
    db.flush()
    return plain


def issue_demo_code(db: Session) -> str | None:
    """Give the demo user who still has to log in for the first time the fixed demo code.

    Idempotent: keeps a valid demo code as it is. Returns the code, or None when the demo user
    does not exist or is already linked to an identity (then no code is needed)."""
    if get_settings().production:
        return None
    user = find_preregistered_user(db, DEMO_CODE_ORGANISATION, DEMO_CODE_EMPLOYEE_ID)
    if user is None or not user.active:
        return None
    if db.exec(select(Identity).where(Identity.user_id == user.id)).first() is not None:
        return None
    row = current_code(db, user.id)
    if code_status(row) == CodeStatus.valid and hmac.compare_digest(
        row.code_hash, hash_code(DEMO_VERIFICATION_CODE)
    ):
        return DEMO_VERIFICATION_CODE
    return issue_code(db, user.id, code=DEMO_VERIFICATION_CODE)


class VerificationOutcome(str, enum.Enum):
    linked = "linked"
    wrong = "wrong"  # wrong code, attempts left
    blocked = "blocked"  # too many wrong attempts (now or before)
    expired = "expired"
    no_code = "no_code"  # none issued, or the last one was already used
    unknown_user = "unknown_user"  # no pre-registered active user for this identity


@dataclasses.dataclass(frozen=True)
class VerificationResult:
    outcome: VerificationOutcome
    user_id: int | None = None
    attempts_left: int = 0


def verify_code(
    db: Session,
    *,
    issuer: str,
    subject: str,
    organisation_identifier: str,
    employee_id: str,
    code: str,
) -> VerificationResult:
    """Check a first-login code and, when right, link the identity to the pre-registered user.

    A wrong attempt is counted even though nothing else changes (the caller commits)."""
    user = find_preregistered_user(db, organisation_identifier, employee_id)
    if user is None or not user.active:
        return VerificationResult(VerificationOutcome.unknown_user)
    row = current_code(db, user.id)
    status = code_status(row)
    if status in (CodeStatus.none, CodeStatus.used):
        return VerificationResult(VerificationOutcome.no_code, user.id)
    if status == CodeStatus.blocked:
        return VerificationResult(VerificationOutcome.blocked, user.id)
    if status == CodeStatus.expired:
        return VerificationResult(VerificationOutcome.expired, user.id)
    assert row is not None
    now = clock.now()
    if normalise_code(code) and hmac.compare_digest(row.code_hash, hash_code(code)):
        # Single use, even under a race: only the request that flips used_at links.
        done = db.exec(
            update(VerificationCode)
            .where(
                VerificationCode.id == row.id,
                VerificationCode.used_at.is_(None),
                VerificationCode.blocked_at.is_(None),
            )
            .values(used_at=now)
        )
        if done.rowcount != 1:
            return VerificationResult(VerificationOutcome.no_code, user.id)
        link_identity(
            db,
            user,
            issuer=issuer,
            subject=subject,
            organisation_identifier=organisation_identifier,
        )
        return VerificationResult(VerificationOutcome.linked, user.id)
    limit = get_settings().verification_code_attempts
    # Count in the database itself, so parallel guesses cannot slip past the limit.
    db.exec(
        update(VerificationCode)
        .where(VerificationCode.id == row.id)
        .values(failed_attempts=VerificationCode.failed_attempts + 1)
    )
    db.exec(
        update(VerificationCode)
        .where(
            VerificationCode.id == row.id,
            VerificationCode.failed_attempts >= limit,
            VerificationCode.blocked_at.is_(None),
        )
        .values(blocked_at=now)
    )
    db.flush()
    db.refresh(row)
    if row.blocked_at is not None:
        return VerificationResult(VerificationOutcome.blocked, user.id)
    return VerificationResult(
        VerificationOutcome.wrong, user.id, attempts_left=limit - row.failed_attempts
    )
