"""Accounts: organisations, users, roles, delegations, identity linking and verification codes.

Plain Python on a DB session; the /beheer page, the login routes and the CLI only call it.
Errors a person must read are `AccountError`s with a Dutch message.
"""

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
    Delegation,
    Identity,
    Municipality,
    Organisation,
    OrganisationKind,
    Role,
    User,
    UserRole,
    UserSession,
    VerificationCode,
)
from cbs_monitor.settings import get_settings

SERVICEDESK_CONTACT = (
    "Neem contact op met de Servicedesk via servicedesk@inlichtingenbureau.nl of 0800 222 11 22."
)

# The fixed code of the demo user who has not logged in yet (daan.visser, Gemeente Groningen).
# Development/demo data only: `issue_demo_code` is called by the demo seed, never in production.
DEMO_VERIFICATION_CODE = "DEMO-2026"
DEMO_CODE_EMPLOYEE_ID = "daan.visser"
DEMO_CODE_ORGANISATION = "00000001001589623000"

# Codes are read aloud on the phone: no 0/O or 1/I/L look-alikes. 8 symbols of 31 ≈ 40 bits,
# against at most 5 guesses per code.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8

# Which roles fit which kind of organisation.
ROLES_BY_KIND: dict[OrganisationKind, tuple[Role, ...]] = {
    OrganisationKind.municipality: (Role.user, Role.product_manager),
    OrganisationKind.cooperative: (Role.user, Role.coordinator, Role.product_manager),
    OrganisationKind.cbs: (Role.cbs_reviewer,),
    OrganisationKind.servicedesk: (Role.servicedesk,),
}

KIND_LABELS = {
    OrganisationKind.municipality: "Gemeente",
    OrganisationKind.cooperative: "Samenwerkingsverband",
    OrganisationKind.cbs: "CBS",
    OrganisationKind.servicedesk: "Servicedesk",
}


class AccountError(Exception):
    """A refused change; the message is Dutch and safe to show."""


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


# --- identities and login ------------------------------------------------------------------


def find_preregistered_user(
    db: Session, organisation_identifier: str, employee_id: str
) -> User | None:
    """The user the servicedesk registered for this organisation and employee id."""
    org = db.exec(
        select(Organisation).where(Organisation.identifier == organisation_identifier)
    ).first()
    if org is None or not employee_id:
        return None
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


# --- organisations -------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class OrganisationRow:
    id: int
    kind: str
    name: str
    identifier: str
    municipality_code: str
    users: int


def list_organisations(db: Session) -> list[OrganisationRow]:
    counts: dict[int, int] = {}
    for user in db.exec(select(User)):
        counts[user.organisation_id] = counts.get(user.organisation_id, 0) + 1
    rows = db.exec(select(Organisation).order_by(Organisation.name)).all()
    return [
        OrganisationRow(
            o.id,
            KIND_LABELS[o.kind],
            o.name,
            o.identifier,
            o.municipality_code or "",
            counts.get(o.id, 0),
        )
        for o in rows
    ]


def _clean(value: str | None) -> str:
    return (value or "").strip()


def add_organisation(
    db: Session, *, kind: str, name: str, identifier: str, municipality_code: str | None = None
) -> Organisation:
    try:
        org_kind = OrganisationKind(kind)
    except ValueError:
        raise AccountError("Kies het soort organisatie.") from None
    name, identifier, code = _clean(name), _clean(identifier), _clean(municipality_code)
    if not name:
        raise AccountError("Vul de naam van de organisatie in.")
    if not re.fullmatch(r"\d{8,20}", identifier):
        raise AccountError(
            "Het eHerkenning-nummer (KvK-nummer of OIN) bestaat uit 8 tot 20 cijfers."
        )
    if db.exec(select(Organisation).where(Organisation.identifier == identifier)).first():
        raise AccountError("Er is al een organisatie met dit eHerkenning-nummer.")
    if org_kind == OrganisationKind.municipality:
        if db.get(Municipality, code) is None:
            raise AccountError("Vul een bestaande gemeentecode in (vier cijfers).")
        if db.exec(select(Organisation).where(Organisation.municipality_code == code)).first():
            raise AccountError("Deze gemeente heeft al een organisatie in het portaal.")
    elif code:
        raise AccountError("Alleen een gemeente heeft een gemeentecode.")
    org = Organisation(
        kind=org_kind,
        name=name,
        identifier=identifier,
        municipality_code=code if org_kind == OrganisationKind.municipality else None,
    )
    db.add(org)
    db.flush()
    return org


# --- users and roles ------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class UserRow:
    id: int
    name: str
    email: str
    employee_id: str
    organisation: str
    roles: str
    active: bool
    linked: bool
    code_status: str
    code_expires: str
    failed_attempts: int


def list_users(db: Session) -> list[UserRow]:
    orgs = {o.id: o for o in db.exec(select(Organisation))}
    roles: dict[int, list[str]] = {}
    for r in db.exec(select(UserRole)):
        roles.setdefault(r.user_id, []).append(r.role.value)
    linked = set(db.exec(select(Identity.user_id)).all())
    now = clock.now()
    rows = []
    for user in db.exec(select(User).order_by(User.name)):
        code = current_code(db, user.id)
        status = code_status(code, now)
        rows.append(
            UserRow(
                id=user.id,
                name=user.name,
                email=user.email,
                employee_id=user.employee_id,
                organisation=orgs[user.organisation_id].name
                if user.organisation_id in orgs
                else "",
                roles=", ".join(sorted(roles.get(user.id, []))),
                active=user.active,
                linked=user.id in linked,
                code_status=status.value,
                code_expires=clock.format_local(code.expires_at)
                if status == CodeStatus.valid and code
                else "",
                failed_attempts=code.failed_attempts if code else 0,
            )
        )
    return rows


def blocked_users(db: Session) -> list[UserRow]:
    """Users whose current code was blocked after too many wrong attempts."""
    return [row for row in list_users(db) if row.code_status == CodeStatus.blocked.value]


def _parse_roles(org: Organisation, roles: list[str]) -> set[Role]:
    parsed = set()
    for value in roles:
        try:
            parsed.add(Role(value))
        except ValueError:
            raise AccountError("Onbekende rol.") from None
    if not parsed:
        raise AccountError("Kies ten minste één rol.")
    allowed = set(ROLES_BY_KIND[org.kind])
    if not parsed <= allowed:
        labels = ", ".join(sorted(r.value for r in allowed))
        raise AccountError(
            f"Voor een {KIND_LABELS[org.kind].lower()} zijn alleen deze rollen mogelijk: {labels}."
        )
    return parsed


def add_user(
    db: Session, *, organisation_id: int, name: str, email: str, employee_id: str, roles: list[str]
) -> User:
    org = db.get(Organisation, organisation_id)
    if org is None:
        raise AccountError("Kies een organisatie.")
    name, email, employee_id = _clean(name), _clean(email), _clean(employee_id)
    if not name:
        raise AccountError("Vul de naam in.")
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise AccountError("Vul een geldig e-mailadres in.")
    if not re.fullmatch(r"[\w.\-@]{1,80}", employee_id):
        raise AccountError(
            "Vul het medewerkernummer in zoals eHerkenning het doorgeeft (letters, cijfers, . - _)."
        )
    parsed = _parse_roles(org, roles)
    if db.exec(
        select(User).where(User.organisation_id == org.id, User.employee_id == employee_id)
    ).first():
        raise AccountError("Deze organisatie heeft al een gebruiker met dit medewerkernummer.")
    user = User(
        organisation_id=org.id,
        name=name,
        email=email,
        employee_id=employee_id,
        created_at=clock.now(),
    )
    db.add(user)
    db.flush()
    for role in sorted(parsed, key=lambda r: r.value):
        db.add(UserRole(user_id=user.id, role=role))
    db.flush()
    return user


def set_roles(
    db: Session, user_id: int, roles: list[str], *, acting_user_id: int | None = None
) -> None:
    user = db.get(User, user_id)
    if user is None:
        raise AccountError("Deze gebruiker bestaat niet.")
    org = db.get(Organisation, user.organisation_id)
    parsed = _parse_roles(org, roles)
    if user_id == acting_user_id and Role.servicedesk not in parsed:
        raise AccountError("U kunt uw eigen servicedeskrol niet intrekken.")
    current = {r.role: r for r in db.exec(select(UserRole).where(UserRole.user_id == user_id))}
    for role, row in current.items():
        if role not in parsed:
            db.delete(row)
    for role in parsed - set(current):
        db.add(UserRole(user_id=user_id, role=role))
    db.flush()


def set_active(
    db: Session, user_id: int, active: bool, *, acting_user_id: int | None = None
) -> None:
    """(De)activate a user; deactivating ends their open sessions at once."""
    user = db.get(User, user_id)
    if user is None:
        raise AccountError("Deze gebruiker bestaat niet.")
    if not active and user_id == acting_user_id:
        raise AccountError("U kunt uzelf niet deactiveren.")
    user.active = active
    db.add(user)
    if not active:
        now = clock.now()
        for row in db.exec(
            select(UserSession).where(
                UserSession.user_id == user_id, UserSession.ended_at.is_(None)
            )
        ):
            row.ended_at = now
            db.add(row)
    db.flush()


# --- delegations ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class DelegationRow:
    id: int
    municipality_code: str
    municipality_name: str
    organisation: str
    valid_from: str
    valid_to: str
    active: bool


def _active_on(d: Delegation, day: dt.date) -> bool:
    return d.valid_from <= day and (d.valid_to is None or d.valid_to >= day)


def list_delegations(db: Session) -> list[DelegationRow]:
    orgs = {o.id: o.name for o in db.exec(select(Organisation))}
    today = clock.today()
    rows = []
    for d in db.exec(select(Delegation)):
        muni = db.get(Municipality, d.municipality_code)
        rows.append(
            DelegationRow(
                id=d.id,
                municipality_code=d.municipality_code,
                municipality_name=muni.name if muni else "",
                organisation=orgs.get(d.organisation_id, ""),
                valid_from=d.valid_from.strftime("%d-%m-%Y"),
                valid_to=d.valid_to.strftime("%d-%m-%Y") if d.valid_to else "",
                active=_active_on(d, today),
            )
        )
    rows.sort(key=lambda r: (not r.active, r.organisation, r.municipality_name))
    return rows


def add_delegation(db: Session, *, municipality_code: str, organisation_id: int) -> Delegation:
    """A municipality delegates its delivery to a samenwerkingsverband from today on."""
    code = _clean(municipality_code)
    if db.get(Municipality, code) is None:
        raise AccountError("Vul een bestaande gemeentecode in (vier cijfers).")
    org = db.get(Organisation, organisation_id)
    if org is None or org.kind != OrganisationKind.cooperative:
        raise AccountError("Kies een samenwerkingsverband.")
    today = clock.today()
    for other in db.exec(select(Delegation).where(Delegation.municipality_code == code)):
        if other.organisation_id != org.id and _active_on(other, today):
            raise AccountError(
                "Deze gemeente heeft haar aanlevering al aan een ander samenwerkingsverband gedelegeerd."
            )
    existing = db.exec(
        select(Delegation).where(
            Delegation.municipality_code == code, Delegation.organisation_id == org.id
        )
    ).first()
    if existing is not None:
        if _active_on(existing, today):
            raise AccountError("Deze delegatie bestaat al.")
        existing.valid_from, existing.valid_to = today, None
        db.add(existing)
        db.flush()
        return existing
    delegation = Delegation(municipality_code=code, organisation_id=org.id, valid_from=today)
    db.add(delegation)
    db.flush()
    return delegation


def end_delegation(db: Session, delegation_id: int) -> None:
    """Ends a delegation with effect from today (the last valid day was yesterday)."""
    delegation = db.get(Delegation, delegation_id)
    today = clock.today()
    if delegation is None or not _active_on(delegation, today):
        raise AccountError("Deze delegatie is niet (meer) actief.")
    yesterday = today - dt.timedelta(days=1)
    if delegation.valid_from > yesterday:
        db.delete(delegation)  # never in force for a whole day: nothing to keep
    else:
        delegation.valid_to = yesterday
        db.add(delegation)
    db.flush()
