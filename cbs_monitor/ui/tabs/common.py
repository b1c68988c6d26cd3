"""What every tab state needs: the portal context, checked on each event."""

from __future__ import annotations

import reflex as rx

from cbs_monitor import routes
from cbs_monitor.ui.components import GENERIC_ERROR  # noqa: F401  (re-exported for the tabs)
from cbs_monitor.ui.portal_state import PortalContext, resolve_context


def municipal_context(state: rx.State) -> PortalContext | None:
    """The context of a user acting for a municipality, or None (the caller redirects to login)."""
    context = resolve_context(state)
    if context is None or context.municipality_code is None:
        return None
    return context


def to_login():
    return rx.redirect(routes.LOGIN)


def tab_page(app: rx.App, component, route: str, title: str, load) -> None:
    """Register a CBS Monitor tab page: the frame loads first, then the tab's own data."""
    from cbs_monitor.ui.portal_state import PortalState

    app.add_page(
        component,
        route=route,
        title=f"{title} | CBS Monitor",
        on_load=[PortalState.load_municipal, load],
    )
