"""/beheer: what the servicedesk administers, each use case checking that the actor may."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from sqlmodel import Session, select

from cbs_monitor import clock, dutch
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
)
from cbs_monitor.services.accounts import (
    KIND_LABELS,
    ROLES_BY_KIND,
    TECHNICAL_EMPLOYEE_PREFIX,
    AccountError,
    codes,
)
from cbs_monitor.services.accounts.codes import CodeStatus, code_status, current_code
from cbs_monitor.services.permissions import Action, Actor, raise_access_version, require

# --- organisations -------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class OrganisationRow:
    id: int
    kind: str
    name: str
    identifier: str
    municipality_code: str
    users: int


def list_organisations(db: Session, actor: Actor) -> list[OrganisationRow]:
    require(actor, Action.administer)
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
    db: Session,
    actor: Actor,
    *,
    kind: str,
    name: str,
    identifier: str,
    municipality_code: str | None = None,
) -> Organisation:
    require(actor, Action.administer)
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


def list_users(db: Session, actor: Actor) -> list[UserRow]:
    require(actor, Action.administer)
    orgs = {o.id: o for o in db.exec(select(Organisation))}
    roles: dict[int, list[str]] = {}
    for r in db.exec(select(UserRole)):
        roles.setdefault(r.user_id, []).append(r.role.value)
    linked = set(db.exec(select(Identity.user_id)).all())
    now = clock.now()
    rows = []
    for user in db.exec(select(User).order_by(User.name)):
        if user.employee_id.startswith(TECHNICAL_EMPLOYEE_PREFIX):
            continue  # an API client's user: managed on the Leveranciers tab
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


def blocked_users(db: Session, actor: Actor) -> list[UserRow]:
    """Users whose current code was blocked after too many wrong attempts."""
    return [row for row in list_users(db, actor) if row.code_status == CodeStatus.blocked.value]


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
    db: Session,
    actor: Actor,
    *,
    organisation_id: int,
    name: str,
    email: str,
    employee_id: str,
    roles: list[str],
) -> User:
    require(actor, Action.administer)
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


def set_roles(db: Session, actor: Actor, user_id: int, roles: list[str]) -> None:
    require(actor, Action.administer)
    user = db.get(User, user_id)
    if user is None:
        raise AccountError("Deze gebruiker bestaat niet.")
    org = db.get(Organisation, user.organisation_id)
    parsed = _parse_roles(org, roles)
    if user_id == actor.user_id and Role.servicedesk not in parsed:
        raise AccountError("U kunt uw eigen servicedeskrol niet intrekken.")
    current = {r.role: r for r in db.exec(select(UserRole).where(UserRole.user_id == user_id))}
    for role, row in current.items():
        if role not in parsed:
            db.delete(row)
    for role in parsed - set(current):
        db.add(UserRole(user_id=user_id, role=role))
    db.flush()
    raise_access_version(db, user_ids=[user_id])


def set_active(db: Session, actor: Actor, user_id: int, active: bool) -> None:
    """(De)activate a user; deactivating ends their open sessions at once."""
    require(actor, Action.administer)
    user = db.get(User, user_id)
    if user is None:
        raise AccountError("Deze gebruiker bestaat niet.")
    if not active and user_id == actor.user_id:
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
    raise_access_version(db, user_ids=[user_id])


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


def list_delegations(db: Session, actor: Actor) -> list[DelegationRow]:
    require(actor, Action.administer)
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
                valid_from=dutch.date(d.valid_from),
                valid_to=dutch.date(d.valid_to),
                active=d.in_force_on(today),
            )
        )
    rows.sort(key=lambda r: (not r.active, r.organisation, r.municipality_name))
    return rows


def add_delegation(
    db: Session, actor: Actor, *, municipality_code: str, organisation_id: int
) -> Delegation:
    """A municipality delegates its delivery to a samenwerkingsverband from today on."""
    require(actor, Action.administer)
    code = _clean(municipality_code)
    if db.get(Municipality, code) is None:
        raise AccountError("Vul een bestaande gemeentecode in (vier cijfers).")
    org = db.get(Organisation, organisation_id)
    if org is None or org.kind != OrganisationKind.cooperative:
        raise AccountError("Kies een samenwerkingsverband.")
    today = clock.today()
    for other in db.exec(select(Delegation).where(Delegation.municipality_code == code)):
        if other.organisation_id != org.id and other.in_force_on(today):
            raise AccountError(
                "Deze gemeente heeft haar aanlevering al aan een ander samenwerkingsverband gedelegeerd."
            )
    existing = db.exec(
        select(Delegation).where(
            Delegation.municipality_code == code, Delegation.organisation_id == org.id
        )
    ).first()
    if existing is not None:
        if existing.in_force_on(today):
            raise AccountError("Deze delegatie bestaat al.")
        existing.valid_from, existing.valid_to = today, None
        db.add(existing)
        delegation = existing
    else:
        delegation = Delegation(municipality_code=code, organisation_id=org.id, valid_from=today)
        db.add(delegation)
    db.flush()
    raise_access_version(db, organisation_id=org.id)
    return delegation


def end_delegation(db: Session, actor: Actor, delegation_id: int) -> None:
    """Ends a delegation with effect from today (the last valid day was yesterday)."""
    require(actor, Action.administer)
    delegation = db.get(Delegation, delegation_id)
    today = clock.today()
    if delegation is None or not delegation.in_force_on(today):
        raise AccountError("Deze delegatie is niet (meer) actief.")
    yesterday = today - dt.timedelta(days=1)
    if delegation.valid_from > yesterday:
        db.delete(delegation)  # never in force for a whole day: nothing to keep
    else:
        delegation.valid_to = yesterday
        db.add(delegation)
    db.flush()
    raise_access_version(db, organisation_id=delegation.organisation_id)


def issue_code(db: Session, actor: Actor, user_id: int) -> str:
    """The servicedesk issues a first-login code; the plain code is shown once, never stored."""
    require(actor, Action.administer)
    return codes.issue_code(db, user_id, issued_by_user_id=actor.user_id)
