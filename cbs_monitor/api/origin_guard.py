"""ASGI guard around the whole portal: a browser page of another origin gets no websocket and cannot
post, put or delete with the user's cookie.

CORS (rxconfig's cors_allowed_origins) only stops another origin from *reading* answers; python-
socketio checks the handshake only while the transport is "websocket". This guard does not depend
on either: the websocket handshake and every state-changing request that carries an Origin header
must come from one of the portal's origins (settings.origins). Requests without Origin (machine
clients, same-origin GETs) pass; browsers always send it on cross-origin requests and on POST.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from cbs_monitor.settings import get_settings

_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def origin_allowed(origin: str | None) -> bool:
    """No Origin header, or one of the portal's own origins ("null" is never one)."""
    return origin is None or origin.strip().lower() in get_settings().origins


def _origin(scope: Scope) -> str | None:
    for name, value in scope.get("headers") or []:
        if name.lower() == b"origin":
            return value.decode("latin-1")
    return None


class OriginGuard:
    """Refuses a foreign Origin on the websocket handshake and on state-changing requests."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "websocket" and not origin_allowed(_origin(scope)):
            # Closing instead of accepting: the server answers the handshake with 403.
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": 1008})
            return
        if (
            kind == "http"
            and scope.get("method", "GET") not in _SAFE_METHODS
            and not origin_allowed(_origin(scope))
        ):
            body = b"Dit verzoek komt niet van het portaal en is geweigerd."
            await send(
                {
                    "type": "http.response.start",
                    "status": 403,
                    "headers": [
                        (b"content-type", b"text/plain; charset=utf-8"),
                        (b"content-length", str(len(body)).encode()),
                        (b"cache-control", b"no-store"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)
