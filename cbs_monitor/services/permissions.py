"""Who may do what for which municipality: the one rule book every use case applies."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import threading

from sqlmodel import Session, col, select

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
from cbs_monitor.services.errors import NotPermitted


class Action(str, enum.Enum):
    view = "view"  # see the tabs, reports and Berichtenlog of a municipality
    deliver = "deliver"  # upload a file
    withdraw = "withdraw"  # change the Intrekken selection
    review = "review"  # the /cbs desk
    administer = "administer"  # the /beheer servicedesk page
    # let a software supplier deliver for the municipality (the Koppelingen tab)
    authorise_supplier = "authorise_supplier"


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
        return bool(self.municipality_codes) and not self.is_supplier

    @property
    def is_supplier(self) -> bool:
        """A software supplier's system (/api/v1), acting for the municipalities that allowed it."""
        return self.organisation_kind == OrganisationKind.supplier

    @property
    def role_labels(self) -> list[str]:
        return sorted(role.value for role in self.roles)


def delegating_codes(db: Session, on: dt.date | None = None) -> set[str]:
    """Municipalities that delegated their delivery to a cooperative (in force on the date)."""
    day = on or clock.today()
    return set(
        db.exec(select(Delegation.municipality_code).where(Delegation.in_force_clause(day))).all()
    )


def _build_actor(db: Session, user: User) -> Actor | None:
    org = db.get(Organisation, user.organisation_id)
    if org is None or user.id is None or org.id is None:
        return None
    roles = frozenset(db.exec(select(UserRole.role).where(UserRole.user_id == user.id)).all())
    codes: list[str] = []
    delegated: set[str] = set()
    if org.kind == OrganisationKind.municipality and org.municipality_code:
        codes.append(org.municipality_code)
    elif org.kind == OrganisationKind.cooperative and Role.coordinator in roles:
        delegated = set(
            db.exec(
                select(Delegation.municipality_code).where(
                    Delegation.organisation_id == org.id,
                    Delegation.in_force_clause(clock.today()),
                )
            ).all()
        )
        codes.extend(delegated)
    names: dict[str, str] = {}
    if codes:
        for code, name in db.exec(
            select(Municipality.code, Municipality.name).where(col(Municipality.code).in_(codes))
        ):
            names[code] = name
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


# Resolved actors, reused while the user's access_version and the day stay the same: every
# change to roles, activity or delegations raises the version (services.accounts), so another
# node sees it at its next lookup. Keyed by day because delegations start and end on dates.
_actors: dict[tuple[int, int, dt.date], Actor] = {}
_actors_lock = threading.Lock()
_MAX_CACHED = 4096


def cached_actor(db: Session, user_id: int, access_version: int) -> Actor | None:
    key = (user_id, access_version, clock.today())
    with _actors_lock:
        found = _actors.get(key)
    if found is not None:
        return found
    actor = load_actor(db, user_id)
    if actor is not None:
        with _actors_lock:
            if len(_actors) >= _MAX_CACHED:
                _actors.clear()
            _actors[key] = actor
    return actor


def load_actor(db: Session, user_id: int) -> Actor | None:
    """The actor of an active user, read from the database now."""
    user = db.get(User, user_id)
    if user is None or not user.active:
        return None
    return _build_actor(db, user)


def forget_cached_actors() -> None:
    """Tests that change the clock's day or rows behind the services' back start afresh."""
    with _actors_lock:
        _actors.clear()


def raise_access_version(
    db: Session, *, user_ids: list[int] | None = None, organisation_id: int | None = None
) -> None:
    """Mark that what these users may do changed, so no node reuses their cached actor."""
    query = select(User)
    if user_ids is not None:
        query = query.where(col(User.id).in_(user_ids))
    if organisation_id is not None:
        query = query.where(User.organisation_id == organisation_id)
    for user in db.exec(query):
        user.access_version += 1
        db.add(user)
    db.flush()


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
    if actor.is_supplier:
        return False  # a supplier delivers and reads; choices stay with the municipality
    if action == Action.authorise_supplier:
        return (
            Role.product_manager in actor.roles and municipality_code not in actor.delegated_codes
        )
    if action == Action.withdraw:
        if municipality_code in actor.delegated_codes:
            return False
        # A delegating municipality withdraws through the CBS form only, whoever asks.
        if db is not None and municipality_code in delegating_codes(db):
            return False
        return True
    return False


def may_see_municipality(actor: Actor | None, municipality_code: str) -> bool:
    """Reports and logs of a municipality: its own users, and CBS."""
    return can(actor, Action.view, municipality_code) or can(actor, Action.review)


def require(
    actor: Actor | None,
    action: Action,
    municipality_code: str | None = None,
    *,
    db: Session | None = None,
    message: str | None = None,
) -> Actor:
    """The actor, when the rule book allows the action; NotPermitted (Dutch) otherwise."""
    if not can(actor, action, municipality_code, db=db):
        raise NotPermitted(message) if message else NotPermitted()
    assert actor is not None
    return actor
