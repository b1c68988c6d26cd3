"""The portal frame: who is behind a session, which municipality they act for, and what the frame shows."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TypeVar

from sqlmodel import Session

from cbs_monitor import db
from cbs_monitor.services import sessions
from cbs_monitor.services.errors import NotPermitted, Refused, SignedOut
from cbs_monitor.services.permissions import Action, Actor, cached_actor, can


@dataclasses.dataclass(frozen=True)
class PortalContext:
    """The actor of a live session and the municipality the session works for."""

    actor: Actor
    # The coordinator's choice, else the actor's first municipality; None for CBS and servicedesk.
    municipality_code: str | None
    session_id: int

    @property
    def municipality_name(self) -> str:
        return self.actor.municipality_names.get(self.municipality_code or "", "")

    def require_municipality(self) -> str:
        """The municipality of the CBS Monitor tabs; NotPermitted for users who act for none."""
        if self.municipality_code is None:
            raise NotPermitted("Deze pagina is alleen voor gebruikers van een gemeente.")
        return self.municipality_code


def resolve_context(db: Session, session_key: str | None) -> PortalContext | None:
    """Every event's lookup: one query for the session, the actor from the cache while the user's
    access version stays the same. None when there is no live session."""
    live = sessions.live_session(db, session_key)
    if live is None:
        return None
    actor = cached_actor(db, live.user_id, live.access_version)
    if actor is None:
        return None
    code = live.selected_municipality_code
    if code not in actor.municipality_codes:
        code = actor.municipality_codes[0] if actor.municipality_codes else None
    return PortalContext(actor=actor, municipality_code=code, session_id=live.session_id)


@dataclasses.dataclass(frozen=True)
class MunicipalityOption:
    code: str
    label: str


@dataclasses.dataclass(frozen=True)
class FrameView:
    """What the header, the right-hand menu and the municipality switcher show."""

    user_name: str = ""
    organisation_name: str = ""
    role_label: str = ""
    municipality_code: str = ""
    municipality_name: str = ""
    municipality_options: tuple[MunicipalityOption, ...] = ()
    is_municipal: bool = False
    is_cbs: bool = False
    is_servicedesk: bool = False
    logged_in: bool = False
    # The logout form's CSRF token (services/sessions.logout_token).
    logout_token: str = ""


def frame_view(context: PortalContext) -> FrameView:
    """The frame of a signed-in user; no database work (the context holds it all)."""
    actor = context.actor
    return FrameView(
        user_name=actor.name,
        organisation_name=actor.organisation_name,
        role_label=", ".join(actor.role_labels),
        municipality_code=context.municipality_code or "",
        municipality_name=context.municipality_name,
        municipality_options=tuple(
            MunicipalityOption(code, f"{actor.municipality_names.get(code, code)} ({code})")
            for code in actor.municipality_codes
        ),
        is_municipal=actor.is_municipal,
        is_cbs=can(actor, Action.review),
        is_servicedesk=can(actor, Action.administer),
        logged_in=True,
        logout_token=sessions.logout_token(context.session_id),
    )


def choose_municipality(db: Session, context: PortalContext, code: str) -> FrameView:
    """A coordinator switches municipality; the choice is kept in the server-side session."""
    if not can(context.actor, Action.view, code):
        raise Refused("U kunt niet voor deze gemeente werken.")
    sessions.select_municipality(db, context.session_id, code)
    return frame_view(dataclasses.replace(context, municipality_code=code))


T = TypeVar("T")
# A use case as a page calls it: one service function, given the session and the context.
UseCase = Callable[[Session, PortalContext], T]


def run_use_case(session_key: str | None, use_case: UseCase[T]) -> tuple[T, FrameView]:
    """Resolve the session, run the use case in one transaction, and give its result with the
    frame. Blocking: the pages call it in a worker thread. SignedOut when there is no session."""
    with db.session() as session:
        context = resolve_context(session, session_key)
        if context is None:
            raise SignedOut()
        return use_case(session, context), frame_view(context)


def session_is_live(session_key: str) -> bool:
    """Whether a session key belongs to a live session (the upload endpoint checks its own)."""
    with db.session() as session:
        return sessions.live_session(session, session_key, touch=False) is not None
