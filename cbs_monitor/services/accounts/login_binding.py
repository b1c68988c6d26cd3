"""Binding an eHerkenning identity to the account the servicedesk pre-registered."""

from __future__ import annotations

import dataclasses
import enum

from sqlmodel import Session, select

from cbs_monitor import clock
from cbs_monitor.models import (
    Identity,
    Organisation,
    User,
)
from cbs_monitor.services.accounts import (
    TECHNICAL_EMPLOYEE_PREFIX,
    AccountError,
)

# --- identities and login ------------------------------------------------------------------


def find_preregistered_user(
    db: Session, organisation_identifier: str, employee_id: str
) -> User | None:
    """The user the servicedesk registered for this organisation and employee id."""
    org = db.exec(
        select(Organisation).where(Organisation.identifier == organisation_identifier)
    ).first()
    if org is None or not employee_id or employee_id.startswith(TECHNICAL_EMPLOYEE_PREFIX):
        return None  # an API client's technical user is no person: no login binds to it
    return db.exec(
        select(User).where(User.organisation_id == org.id, User.employee_id == employee_id)
    ).first()


def link_identity(
    db: Session, user: User, *, issuer: str, subject: str, organisation_identifier: str
) -> Identity:
    existing = db.exec(
        select(Identity).where(Identity.issuer == issuer, Identity.subject == subject)
    ).first()
    if existing is not None:
        if existing.user_id != user.id:
            raise AccountError(
                "Deze eHerkenningsidentiteit is al aan een andere gebruiker gekoppeld."
            )
        return existing
    identity = Identity(
        user_id=user.id,
        issuer=issuer,
        subject=subject,
        organisation_identifier=organisation_identifier,
        linked_at=clock.now(),
    )
    db.add(identity)
    db.flush()
    return identity


class LoginOutcome(str, enum.Enum):
    ok = "ok"  # linked identity of an active user: start a session
    needs_code = "needs_code"  # first login: ask for the verification code
    inactive = "inactive"  # linked, but the user (or its organisation) may not log in
    mismatch = "mismatch"  # the identity claims another organisation than it is linked to


@dataclasses.dataclass(frozen=True)
class LoginResult:
    outcome: LoginOutcome
    user_id: int | None = None


def resolve_login(
    db: Session, *, issuer: str, subject: str, organisation_identifier: str
) -> LoginResult:
    """What an authenticated eHerkenning identity may do next."""
    identity = db.exec(
        select(Identity).where(Identity.issuer == issuer, Identity.subject == subject)
    ).first()
    if identity is None:
        return LoginResult(LoginOutcome.needs_code)
    user = db.get(User, identity.user_id)
    if user is None or not user.active:
        return LoginResult(LoginOutcome.inactive)
    org = db.get(Organisation, user.organisation_id)
    if org is None or org.identifier != organisation_identifier:
        return LoginResult(LoginOutcome.mismatch)
    identity.last_login_at = clock.now()
    db.add(identity)
    db.flush()
    return LoginResult(LoginOutcome.ok, user.id)
