"""The /beheer page: its view of organisations, users and delegations, and each action on it."""

from __future__ import annotations

import dataclasses

from sqlmodel import Session, select

from cbs_monitor.models import OrganisationKind, Role, User, UserRole
from cbs_monitor.services.accounts import KIND_LABELS, AccountError
from cbs_monitor.services.accounts.administration import (
    DelegationRow,
    OrganisationRow,
    UserRow,
    add_delegation,
    add_organisation,
    add_user,
    end_delegation,
    issue_code,
    list_delegations,
    list_organisations,
    list_users,
    set_active,
    set_roles,
)
from cbs_monitor.services.accounts.codes import CodeStatus
from cbs_monitor.services.permissions import Action, Actor, require


@dataclasses.dataclass(frozen=True)
class UserLine:
    """A user in the /beheer table, ready to show."""

    id: int
    name: str
    email: str
    employee_id: str
    organisation: str
    roles: str
    active: bool
    status: str
    linked: str
    code_text: str
    code_blocked: bool


@dataclasses.dataclass(frozen=True)
class Option:
    id: int
    label: str


@dataclasses.dataclass(frozen=True)
class BeheerView:
    organisations: tuple[OrganisationRow, ...]
    users: tuple[UserLine, ...]
    blocked: tuple[UserLine, ...]  # whose current code was blocked after too many wrong tries
    delegations: tuple[DelegationRow, ...]
    organisation_options: tuple[Option, ...]
    cooperative_options: tuple[Option, ...]


@dataclasses.dataclass(frozen=True)
class KindOption:
    value: str
    label: str


# The fixed choices of the forms: the roles and the kinds of organisation.
ROLE_OPTIONS = tuple(role.value for role in Role)
KIND_OPTIONS = tuple(KindOption(kind.value, KIND_LABELS[kind]) for kind in OrganisationKind)


def _user_line(u: UserRow) -> UserLine:
    code_text = f"geldig tot {u.code_expires}" if u.code_expires else u.code_status
    if u.failed_attempts:
        code_text += f" ({u.failed_attempts} onjuist)"
    return UserLine(
        id=u.id,
        name=u.name,
        email=u.email,
        employee_id=u.employee_id,
        organisation=u.organisation,
        roles=u.roles,
        active=u.active,
        status="actief" if u.active else "gedeactiveerd",
        linked="gekoppeld" if u.linked else "nog niet gekoppeld",
        code_text=code_text,
        code_blocked=u.code_status == CodeStatus.blocked.value,
    )


def beheer_view(db: Session, actor: Actor) -> BeheerView:
    orgs = list_organisations(db, actor)
    cooperative = KIND_LABELS[OrganisationKind.cooperative]
    users = tuple(_user_line(u) for u in list_users(db, actor))
    return BeheerView(
        organisations=tuple(orgs),
        users=users,
        blocked=tuple(u for u in users if u.code_blocked),
        delegations=tuple(list_delegations(db, actor)),
        organisation_options=tuple(Option(o.id, f"{o.name} ({o.kind})") for o in orgs),
        cooperative_options=tuple(Option(o.id, o.name) for o in orgs if o.kind == cooperative),
    )


@dataclasses.dataclass(frozen=True)
class AdminDone:
    """What an action on /beheer says it did, and the page afterwards."""

    message: str
    view: BeheerView
    issued_code: str = ""
    issued_for: str = ""


def _done(db: Session, actor: Actor, message: str, **extra: str) -> AdminDone:
    return AdminDone(message, beheer_view(db, actor), **extra)


def _form_int(value: object, message: str) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        raise AccountError(message) from None


def add_organisation_from_form(db: Session, actor: Actor, form: dict) -> AdminDone:
    org = add_organisation(
        db,
        actor,
        kind=str(form.get("kind", "")),
        name=str(form.get("name", "")),
        identifier=str(form.get("identifier", "")),
        municipality_code=str(form.get("municipality_code", "")),
    )
    return _done(db, actor, f"Organisatie {org.name} is toegevoegd.")


def add_user_from_form(db: Session, actor: Actor, form: dict, roles: list[str]) -> AdminDone:
    user = add_user(
        db,
        actor,
        organisation_id=_form_int(form.get("organisation_id"), "Kies een organisatie."),
        name=str(form.get("name", "")),
        email=str(form.get("email", "")),
        employee_id=str(form.get("employee_id", "")),
        roles=roles,
    )
    return _done(
        db,
        actor,
        f"Gebruiker {user.name} is toegevoegd. Geef een verificatiecode uit voor de eerste inlog.",
    )


def save_roles(db: Session, actor: Actor, user_id: int, roles: list[str]) -> AdminDone:
    set_roles(db, actor, user_id, roles)
    user = db.get(User, user_id)
    return _done(db, actor, f"De rollen van {user.name if user else ''} zijn opgeslagen.")


def change_active(db: Session, actor: Actor, user_id: int, active: bool) -> AdminDone:
    set_active(db, actor, user_id, active)
    return _done(
        db,
        actor,
        "De gebruiker is geactiveerd."
        if active
        else "De gebruiker is gedeactiveerd; lopende sessies zijn beëindigd.",
    )


def issue_code_for(db: Session, actor: Actor, user_id: int) -> AdminDone:
    code = issue_code(db, actor, user_id)
    user = db.get(User, user_id)
    return _done(
        db,
        actor,
        "De verificatiecode is uitgegeven.",
        issued_code=code,
        issued_for=user.name if user else "",
    )


def add_delegation_from_form(db: Session, actor: Actor, form: dict) -> AdminDone:
    add_delegation(
        db,
        actor,
        municipality_code=str(form.get("municipality_code", "")),
        organisation_id=_form_int(form.get("organisation_id"), "Kies een samenwerkingsverband."),
    )
    return _done(db, actor, "De delegatie is toegevoegd.")


def end_delegation_now(db: Session, actor: Actor, delegation_id: int) -> AdminDone:
    end_delegation(db, actor, delegation_id)
    return _done(db, actor, "De delegatie is beëindigd.")


@dataclasses.dataclass(frozen=True)
class RoleEditor:
    user_id: int
    name: str
    roles: tuple[str, ...]


def role_editor(db: Session, actor: Actor, user_id: int) -> RoleEditor:
    require(actor, Action.administer)
    user = db.get(User, user_id)
    if user is None:
        raise AccountError("Deze gebruiker bestaat niet.")
    chosen = set(db.exec(select(UserRole.role).where(UserRole.user_id == user_id)).all())
    return RoleEditor(user_id, user.name, tuple(r.value for r in Role if r in chosen))
