"""Where the login session meets Reflex: no raw session cookie in any state, an upload authorised by
its own request's cookie, and a tab whose session changed starts from empty states.

Reflex keeps each tab's state (with the websocket's headers) in a state store (the process's
memory, or Redis) and logs it when an event fails. The session cookie is replaced, when the
connection is made, by the session key (its SHA-256, which the database holds too): it
identifies the session but cannot be turned back into a cookie that logs in.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import reflex as rx
from reflex.app import EventNamespace
from reflex.middleware import Middleware
from reflex_base import constants
from starlette.types import ASGIApp, Receive, Scope, Send

from cbs_monitor.services import portal, sessions

# The cookie name under which a state sees the session key (never the token itself).
KEY_COOKIE = "cbs_monitor_session_key"


def redacted_cookie_header(raw_header: str | None) -> str:
    """The Cookie header as a state may keep it: only the session key, every other cookie gone."""
    token = sessions.token_from_cookie_header(raw_header)
    return f"{KEY_COOKIE}={sessions.key_of(token)}" if token else ""


def key_from_header(header: str | None) -> str | None:
    """The session key from a redacted Cookie header."""
    if not header:
        return None
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name == KEY_COOKIE and len(value) == 64:
            return value
    return None


def session_key(state: rx.State) -> str | None:
    """The key of the login session behind this tab's connection."""
    try:
        return key_from_header(state.router.headers.cookie)
    except AttributeError:
        return None


def install_header_redaction() -> None:
    """Redact the Cookie header where Reflex builds a connection's router data, before it reaches
    any state, state store or log line. Idempotent."""
    original = EventNamespace._build_static_router_data
    if getattr(original, "_redacts_cookie", False):
        return

    def build(self: EventNamespace, sid: str, environ: dict) -> dict[str, Any]:
        data = original(self, sid, environ)
        headers = data.get(constants.RouteVar.HEADERS) or {}
        headers["cookie"] = redacted_cookie_header(headers.get("cookie"))
        return data

    build._redacts_cookie = True
    EventNamespace._build_static_router_data = build


# --- uploads -------------------------------------------------------------------------------

_UPLOAD_KEY_LIFETIME = 300.0
_upload_keys: dict[str, tuple[str, float]] = {}
_upload_keys_lock = threading.Lock()


def take_upload_key(client_token: str) -> str | None:
    """The session key the upload of this tab was sent with (once): the upload handler uses the
    upload request's own session, never the one its websocket happened to carry."""
    with _upload_keys_lock:
        found = _upload_keys.pop(client_token, None)
    if found is None or time.monotonic() - found[1] > _UPLOAD_KEY_LIFETIME:
        return None
    return found[0]


def _remember_upload_key(client_token: str, key: str) -> None:
    now = time.monotonic()
    with _upload_keys_lock:
        for stale in [t for t, (_, at) in _upload_keys.items() if now - at > _UPLOAD_KEY_LIFETIME]:
            del _upload_keys[stale]
        _upload_keys[client_token] = (key, now)


async def _refuse(send: Send, status: int, text: str) -> None:
    body = text.encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class UploadIdentity:
    """ASGI middleware on Reflex's upload endpoint: an upload needs a live session cookie of its
    own; the session key goes to the upload handler of that tab."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope.get("path", "").startswith("/_upload"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        token = sessions.token_from_cookie_header(headers.get("cookie"))
        client_token = headers.get("reflex-client-token", "")
        if not token or not client_token:
            await _refuse(
                send, 401, "U bent niet ingelogd. Log opnieuw in en verstuur het bestand opnieuw."
            )
            return
        key = sessions.key_of(token)
        if not await asyncio.to_thread(portal.session_is_live, key):
            await _refuse(
                send, 401, "Uw sessie is verlopen. Log opnieuw in en verstuur het bestand opnieuw."
            )
            return
        _remember_upload_key(client_token, key)
        await self.app(scope, receive, send)


# --- a tab whose session changed ---------------------------------------------------------------


def _portal_states() -> list[type[rx.State]]:
    """Every state of the portal (the classes defined in cbs_monitor.ui)."""
    found: list[type[rx.State]] = []
    pending = list(rx.State.get_substates())
    while pending:
        cls = pending.pop()
        pending.extend(cls.get_substates())
        if cls.__module__.startswith("cbs_monitor.ui"):
            found.append(cls)
    return sorted(found, key=lambda c: c.get_full_name())


class SessionBinding(Middleware):
    """Before any event of a tab (the hydrate on reconnect included): when the tab's login session
    is not the one its states were filled for (logged out, or another user logged in in the same
    tab), every state of the tab is reset first, so nothing of the previous user reaches the page."""

    async def preprocess(self, app: Any, state: Any, event: Any) -> None:
        from cbs_monitor.ui.portal_state import PortalState

        root = state._get_root_state()
        binding = await root.get_state(PortalState)
        key = session_key(root) or ""
        if binding._bound_key == key:
            return None
        for cls in _portal_states():
            (await root.get_state(cls)).reset()
        binding._bound_key = key
        return None
