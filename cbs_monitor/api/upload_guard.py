"""ASGI guard for Reflex's upload endpoint: a body cap on the server, and no public /_upload files."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from cbs_monitor.api.body_cap import capped


async def _reply(send: Send, status: int, text: str) -> None:
    body = text.encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class UploadGuard:
    """Refuses upload bodies over the limit before Reflex reads them, and never serves stored uploads:
    Reflex's browser-side max_size is no protection, and its upload folder is public."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope.get("path", "").startswith("/_upload"):
            await self.app(scope, receive, send)
            return
        if scope.get("method") != "POST":
            await _reply(send, 404, "Niet gevonden.")
            return
        await capped(self.app, scope, receive, send, _reply)
