"""The frame's state: who is logged in and the municipality switcher, as the portal service says."""

from __future__ import annotations

import reflex as rx

from cbs_monitor import routes
from cbs_monitor.services import portal
from cbs_monitor.services.portal import FrameView
from cbs_monitor.ui.service_call import Outcome, run


class PortalState(rx.State):
    """The header, the right-hand menu and the switcher read `frame`; tab states fill it on load."""

    frame: FrameView = FrameView()
    # The session key the tab's states were filled for (ui/session_guard.SessionBinding).
    _bound_key: str = ""

    @rx.event
    async def load(self):
        """on_load of pages without data of their own (home): the frame, or the login page."""
        outcome = await run(self, lambda db, context: portal.frame_view(context), page_load=True)
        if outcome.frame is not None:
            self.frame = outcome.frame
        return outcome.event

    @rx.event
    async def choose_municipality(self, code: str):
        """A coordinator switches municipality; the page reloads so its tab shows the new one."""
        outcome = await run(self, lambda db, context: portal.choose_municipality(db, context, code))
        if outcome.value is None:
            return outcome.event or rx.toast.error(outcome.error)
        self.frame = outcome.value
        return rx.call_script("window.location.reload()")


async def show_frame(state: rx.State, outcome: Outcome) -> None:
    """A tab's load resolved the session once; the frame comes along with the tab's data."""
    if outcome.frame is not None:
        portal_state = await state.get_state(PortalState)
        portal_state.frame = outcome.frame


def signed_out() -> rx.event.EventSpec:
    return rx.redirect(routes.LOGIN)
