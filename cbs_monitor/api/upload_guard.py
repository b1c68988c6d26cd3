"""ASGI guard for Reflex's upload endpoint: a body cap on the server, and no public /_upload files."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cbs_monitor.settings import get_settings

# Multipart framing (boundaries, part headers, the event-args field) around the file itself.
_MULTIPART_OVERHEAD = 64 * 1024


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
        limit = get_settings().max_upload_bytes + _MULTIPART_OVERHEAD
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                if int(declared) > limit:
                    await _reply(send, 413, "Het bestand is groter dan 2,5 MB.")
                    return
            except ValueError:
                await _reply(send, 400, "Ongeldig verzoek.")
                return
        seen = 0
        too_large = False
        started = False

        async def counting_receive() -> Message:
            nonlocal seen, too_large
            if too_large:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # Tell the app the client went away; it stops reading and we answer 413 ourselves.
                    too_large = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if too_large:
                return  # whatever the app answers to the cut-off body is replaced by the 413
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not too_large:
                raise
        if too_large and not started:
            await _reply(send, 413, "Het bestand is groter dan 2,5 MB.")
