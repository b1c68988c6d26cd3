"""Who is logged in and for which municipality they act: resolved from the server-side session."""

from __future__ import annotations

import dataclasses

import reflex as rx

from cbs_monitor import db, routes
from cbs_monitor.services import permissions, sessions
from cbs_monitor.services.permissions import Actor


@dataclasses.dataclass(frozen=True)
class PortalContext:
    actor: Actor
    municipality_code: str | None  # None for CBS and servicedesk users

    @property
    def municipality_name(self) -> str:
        return self.actor.municipality_names.get(self.municipality_code or "", "")


def session_token(state: rx.State) -> str | None:
    """The opaque session id from the HttpOnly cookie of this browser tab's connection."""
    try:
        header = state.router.headers.cookie
    except AttributeError:
        return None
    return sessions.token_from_cookie_header(header)


def resolve_context(state: rx.State) -> PortalContext | None:
    """Resolve the actor on every event from the server-side session; never from client vars."""
    token = session_token(state)
    with db.session() as s:
        row = sessions.resolve_session(s, token)
        if row is None:
            return None
        actor = permissions.load_actor(s, row.user_id)
        if actor is None:
            return None
        code = row.selected_municipality_code
        if code not in actor.municipality_codes:
            code = actor.municipality_codes[0] if actor.municipality_codes else None
        return PortalContext(actor=actor, municipality_code=code)


class PortalState(rx.State):
    """The frame: user, organisation and the municipality switcher. Tabs read the context themselves."""

    user_name: str = ""
    organisation_name: str = ""
    role_label: str = ""
    municipality_code: str = ""
    municipality_name: str = ""
    municipality_options: list[dict[str, str]] = []
    is_cbs: bool = False
    is_servicedesk: bool = False
    is_municipal: bool = False
    logged_in: bool = False

    def _apply(self, context: PortalContext) -> None:
        actor = context.actor
        self.logged_in = True
        self.user_name = actor.name
        self.organisation_name = actor.organisation_name
        self.role_label = ", ".join(actor.role_labels)
        self.is_cbs = actor.is_cbs
        self.is_servicedesk = actor.is_servicedesk
        self.is_municipal = actor.is_municipal
        self.municipality_code = context.municipality_code or ""
        self.municipality_name = context.municipality_name
        self.municipality_options = [
            {"code": code, "name": f"{actor.municipality_names.get(code, code)} ({code})"}
            for code in actor.municipality_codes
        ]

    @rx.event
    def load(self):
        """on_load of every portal page: back to the login page when there is no live session."""
        context = resolve_context(self)
        if context is None:
            self.logged_in = False
            return rx.redirect(routes.LOGIN)
        self._apply(context)

    @rx.event
    def load_municipal(self):
        """on_load of the CBS Monitor tabs: only for users who act for a municipality."""
        context = resolve_context(self)
        if context is None:
            self.logged_in = False
            return rx.redirect(routes.LOGIN)
        self._apply(context)
        if not context.actor.is_municipal:
            return rx.redirect(routes.HOME)

    @rx.event
    def choose_municipality(self, code: str):
        """Coordinator switches municipality; the choice is kept in the server-side session."""
        context = resolve_context(self)
        if context is None:
            return rx.redirect(routes.LOGIN)
        if code not in context.actor.municipality_codes:
            return rx.toast.error("U kunt niet voor deze gemeente werken.")
        token = session_token(self)
        with db.session() as s:
            row = sessions.resolve_session(s, token)
            if row is not None:
                row.selected_municipality_code = code
                s.add(row)
        self._apply(PortalContext(actor=context.actor, municipality_code=code))
        # Reload the page so the tab's own on_load fetches the new municipality's data.
        return rx.call_script("window.location.reload()")
