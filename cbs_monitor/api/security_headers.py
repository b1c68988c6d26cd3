"""ASGI middleware around the whole portal: the security headers on every response.

The built frontend (React Router's prerendered pages) carries a handful of inline scripts per page
(hydration context, scroll restoration, streamed loader data). Instead of allowing inline script
in general, each HTML response's CSP lists the SHA-256 of exactly the inline scripts it carries.
Emotion (Radix) writes <style> elements at run time, hence style-src 'unsafe-inline'; Reflex
evaluates server-sent scripts (toasts), hence 'unsafe-eval'.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import hashlib
import re
from pathlib import Path

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cbs_monitor.settings import Settings, get_settings

# An HTML page larger than this is passed on without script hashes (its inline scripts are blocked).
_MAX_HTML_BYTES = 4 * 1024 * 1024
_PATHSEND = "http.response.pathsend"
_INLINE_SCRIPT = re.compile(rb"<script\b(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script\s*>", re.S | re.I)

PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), encrypted-media=(), "
    "fullscreen=(self), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), midi=(), "
    "payment=(), publickey-credentials-get=(), usb=(), interest-cohort=()"
)


def inline_script_hashes(html: bytes) -> list[str]:
    """The CSP sources ('sha256-…') of the inline scripts of a page, in order, without repeats."""
    found = []
    for match in _INLINE_SCRIPT.finditer(html):
        digest = base64.b64encode(hashlib.sha256(match.group(1)).digest()).decode()
        found.append(f"'sha256-{digest}'")
    return list(dict.fromkeys(found))


def content_security_policy(settings: Settings, script_hashes: list[str] | None = None) -> str:
    """The CSP of a page (script_hashes given) or of any other response (nothing may load)."""
    if script_hashes is None:
        return "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    origin = settings.base_origin
    websocket = "wss://" + origin.removeprefix("https://") if settings.https else ""
    if not websocket:
        websocket = "ws://" + origin.removeprefix("http://")
    directives = [
        "default-src 'self'",
        # 'unsafe-eval': Reflex runs what an event handler returns as script (rx.toast, and its
        # own reload after a frontend error) through eval(). What it evaluates comes from our
        # server over the websocket; injected markup still cannot run (no 'unsafe-inline').
        " ".join(["script-src 'self' 'unsafe-eval'", *script_hashes]),
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        # 'self' covers ws: of the same host in CSP 3; named as well for older browsers.
        f"connect-src 'self' {websocket}",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
    if settings.https:
        directives.append("upgrade-insecure-requests")
    return "; ".join(directives)


def security_headers(settings: Settings, csp: str | None) -> list[tuple[bytes, bytes]]:
    headers = [(b"content-security-policy", csp.encode())] if csp is not None else []
    headers += [
        (b"x-frame-options", b"DENY"),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"permissions-policy", PERMISSIONS_POLICY.encode()),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"cross-origin-resource-policy", b"same-origin"),
    ]
    if settings.https:
        headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
    return headers


_OURS = {name for name, _ in security_headers(Settings(base_url="https://x"), "")}


def _with_headers(message: Message, extra: list[tuple[bytes, bytes]]) -> Message:
    kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _OURS]
    return {**message, "headers": kept + extra}


class SecurityHeaders:
    """Adds the security headers to every HTTP response (the websocket's 101 is no document)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings = get_settings()
        held: Message | None = None  # a page's response start, waiting for its body
        chunks: list[bytes] = []

        async def send_with_headers(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                if message.get("status") == 304:
                    # The browser keeps the page it has and updates its stored headers from this
                    # answer: a CSP here would replace the page's own (with its script hashes).
                    await send(_with_headers(message, security_headers(settings, None)))
                    return
                headers = dict(message.get("headers", []))
                if headers.get(b"content-type", b"").startswith(b"text/html"):
                    held = message  # the CSP names the page's inline scripts: wait for the body
                    return
                csp = content_security_policy(settings)
                await send(_with_headers(message, security_headers(settings, csp)))
                return
            if held is None or message["type"] not in {"http.response.body", _PATHSEND}:
                await send(message)
                return
            if message["type"] == _PATHSEND:
                # Starlette's FileResponse under granian sends a page as a path: read it here.
                chunks.append(await asyncio.to_thread(Path(message["path"]).read_bytes))
                more = False
            else:
                chunks.append(message.get("body", b""))
                more = message.get("more_body", False)
            if more and sum(map(len, chunks)) <= _MAX_HTML_BYTES:
                return
            start, held = held, None
            body = b"".join(chunks)
            chunks.clear()
            # Too large to hold: sent on without hashes (its inline scripts, if any, are blocked).
            csp = content_security_policy(settings, [] if more else _hashes_of(start, body))
            await send(_with_headers(start, security_headers(settings, csp)))
            await send({"type": "http.response.body", "body": body, "more_body": more})

        await self.app(scope, receive, send_with_headers)


def _hashes_of(start: Message, body: bytes) -> list[str]:
    headers = dict(start.get("headers", []))
    if headers.get(b"content-encoding", b"").strip().lower() == b"gzip":
        try:
            body = gzip.decompress(body)
        except (OSError, EOFError):
            return []
    return inline_script_hashes(body)
