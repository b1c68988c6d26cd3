"""Who may do what for which municipality: the one permission check every handler and route uses."""

from __future__ import annotations

import dataclasses
import enum

from sqlmodel import Session, select

from cbs_monitor import clock
from cbs_monitor.models import (
    Delegation,
    Municipality,
    Organisation,
    OrganisationKind,
    Role,
    User,
    UserRole,
)


class Action(str, enum.Enum):
    view = "view"  # see the tabs, reports and Berichtenlog of a municipality
    deliver = "deliver"  # upload a file
    withdraw = "withdraw"  # change the Intrekken selection
    review = "review"  # the /cbs desk
    administer = "administer"  # the /beheer servicedesk page


class PermissionDenied(Exception):
    """Raised when an actor may not do an action; the UI shows a Dutch message, never this text."""


@dataclasses.dataclass(frozen=True)
class Actor:
    """A logged-in user as the permission check sees them."""

    user_id: int
    name: str
    email: str
    organisation_id: int
    organisation_name: str
    organisation_kind: OrganisationKind
    roles: frozenset[Role]
    # Municipalities this actor acts for: its own, or those that delegated to its cooperative.
    municipality_codes: tuple[str, ...]
    municipality_names: dict[str, str]
    # Municipalities the actor acts for through a delegation (no withdrawal through the portal).
    delegated_codes: frozenset[str]

    @property
    def is_cbs(self) -> bool:
        return Role.cbs_reviewer in self.roles

    @property
    def is_servicedesk(self) -> bool:
        return Role.servicedesk in self.roles

    @property
    def is_municipal(self) -> bool:
        return bool(self.municipality_codes)

    @property
    def role_labels(self) -> list[str]:
        return sorted(role.value for role in self.roles)


def delegating_codes(db: Session, on: clock.dt.date | None = None) -> set[str]:
    """Municipalities that delegated their delivery to a cooperative (active on the date)."""
    day = on or clock.today()
    rows = db.exec(select(Delegation)).all()
    return {
        d.municipality_code
        for d in rows
        if d.valid_from <= day and (d.valid_to is None or d.valid_to >= day)
    }


def load_actor(db: Session, user_id: int) -> Actor | None:
    user = db.get(User, user_id)
    if user is None or not user.active:
        return None
    org = db.get(Organisation, user.organisation_id)
    if org is None:
        return None
    roles = frozenset(r.role for r in db.exec(select(UserRole).where(UserRole.user_id == user_id)))
    codes: list[str] = []
    delegated: set[str] = set()
    if org.kind == OrganisationKind.municipality and org.municipality_code:
        codes.append(org.municipality_code)
    elif org.kind == OrganisationKind.cooperative and Role.coordinator in roles:
        today = clock.today()
        for d in db.exec(select(Delegation).where(Delegation.organisation_id == org.id)):
            if d.valid_from <= today and (d.valid_to is None or d.valid_to >= today):
                codes.append(d.municipality_code)
                delegated.add(d.municipality_code)
    names = {}
    if codes:
        for m in db.exec(select(Municipality).where(Municipality.code.in_(codes))):
            names[m.code] = m.name
    codes.sort(key=lambda c: names.get(c, c))
    return Actor(
        user_id=user.id,
        name=user.name,
        email=user.email,
        organisation_id=org.id,
        organisation_name=org.name,
        organisation_kind=org.kind,
        roles=roles,
        municipality_codes=tuple(codes),
        municipality_names=names,
        delegated_codes=frozenset(delegated),
    )


def can(
    actor: Actor | None,
    action: Action,
    municipality_code: str | None = None,
    *,
    db: Session | None = None,
) -> bool:
    """The single rule book. `db` is needed for `withdraw` (is the municipality delegating?)."""
    if actor is None:
        return False
    if action == Action.review:
        return actor.is_cbs
    if action == Action.administer:
        return actor.is_servicedesk
    if municipality_code is None or municipality_code not in actor.municipality_codes:
        return False
    if action in (Action.view, Action.deliver):
        return True
    if action == Action.withdraw:
        if municipality_code in actor.delegated_codes:
            return False
        # A delegating municipality withdraws through the CBS form only, whoever asks.
        if db is not None and municipality_code in delegating_codes(db):
            return False
        return True
    return False


def require(
    actor: Actor | None,
    action: Action,
    municipality_code: str | None = None,
    *,
    db: Session | None = None,
) -> Actor:
    if not can(actor, action, municipality_code, db=db):
        raise PermissionDenied(f"{action.value} refused for {municipality_code}")
    assert actor is not None
    return actor
