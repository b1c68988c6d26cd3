"""The one way a Reflex event runs a use case: session, actor and service call in a worker thread.

The event loop serves every user's events, so no database work and no rule runs on it. A handler
reads the values it needs from its state, calls `run` with a function of (session, context) that
calls exactly one service function, and assigns what comes back.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import Any, Generic, TypeVar

import reflex as rx

from cbs_monitor import routes
from cbs_monitor.services import portal
from cbs_monitor.services.errors import NotPermitted, Refused, SignedOut
from cbs_monitor.services.portal import FrameView, UseCase
from cbs_monitor.ui.session_guard import session_key

log = logging.getLogger("cbs_monitor.ui")
T = TypeVar("T")

# What a user reads when something unexpected failed; the details go to the log, never to the page.
GENERIC_ERROR = "Er ging iets mis. Probeer het opnieuw; blijft het misgaan, neem dan contact op met de Servicedesk."


@dataclasses.dataclass
class Outcome(Generic[T]):
    """What a use case gave: its view model, or a Dutch refusal, or where the user must go."""

    value: T | None = None
    frame: FrameView | None = None
    error: str = ""
    event: Any = None  # an event to return from the handler (redirect), if any
    not_permitted: bool = False

    @property
    def ok(self) -> bool:
        return self.value is not None


async def run(
    state: rx.State,
    use_case: UseCase[T],
    *,
    page_load: bool = False,
    key: str | None = None,
) -> Outcome[T]:
    """Run one use case off the event loop. A page load that is not permitted goes to the
    "geen toegang" page; an event that is not permitted only shows the refusal. `key` is the
    session of the request itself where that is not the tab's connection (an upload)."""
    key = key or session_key(state)
    try:
        value, frame = await asyncio.to_thread(portal.run_use_case, key, use_case)
    except SignedOut:
        return Outcome(event=rx.redirect(routes.LOGIN))
    except NotPermitted as refused:
        return Outcome(
            error=str(refused),
            not_permitted=True,
            event=rx.redirect(routes.NO_ACCESS) if page_load else None,
        )
    except Refused as refused:
        return Outcome(error=str(refused))
    except Exception:
        log.exception("use case failed")
        return Outcome(error=GENERIC_ERROR)
    return Outcome(value=value, frame=frame)
