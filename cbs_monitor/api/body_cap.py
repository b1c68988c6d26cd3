"""The upload cap on the server, for any ASGI route: a body over the limit is refused before the
app (Reflex's upload handler, the API's multipart parser) has read it. By Content-Length when it
is declared, else by counting what arrives; the app is told the client went away."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cbs_monitor import dutch
from cbs_monitor.settings import get_settings

# Multipart framing (boundaries, part headers, other fields) around the file itself.
MULTIPART_OVERHEAD = 64 * 1024

Reply = Callable[[Send, int, str], Awaitable[None]]


def too_large_text() -> str:
    """The refusal, built from the setting (not a size written into the text)."""
    limit = dutch.file_size(get_settings().max_upload_bytes)
    return f"Het bestand is groter dan {limit} en is niet aangenomen."


async def capped(app: ASGIApp, scope: Scope, receive: Receive, send: Send, reply: Reply) -> None:
    """Run `app` on this request with its body capped at the upload limit (plus framing)."""
    limit = get_settings().max_upload_bytes + MULTIPART_OVERHEAD
    declared = dict(scope.get("headers") or []).get(b"content-length")
    if declared is not None:
        try:
            too_large = int(declared) > limit
        except ValueError:
            await reply(send, 400, "Ongeldige Content-Length.")
            return
        if too_large:
            await reply(send, 413, too_large_text())
            return
    seen = 0
    cut = False
    started = False

    async def counting_receive() -> Message:
        nonlocal seen, cut
        if cut:
            return {"type": "http.disconnect"}
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                cut = True  # the app hears the client went away; the 413 is ours
                return {"type": "http.disconnect"}
        return message

    async def guarded_send(message: Message) -> None:
        nonlocal started
        if cut:
            return  # whatever the app answers to the cut-off body is replaced by the 413
        if message["type"] == "http.response.start":
            started = True
        await send(message)

    try:
        await app(scope, counting_receive, guarded_send)
    except Exception:
        if not cut:
            raise
    if cut and not started:
        await reply(send, 413, too_large_text())
