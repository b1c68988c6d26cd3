"""Per-client rate limits (429 with Retry-After) and the upload cap on the request body."""

from __future__ import annotations

import json
import math
import threading
import time
from collections import deque

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cbs_monitor.settings import get_settings

# Multipart framing around the file (boundaries, part headers, the other fields).
MULTIPART_OVERHEAD = 64 * 1024
TOO_LARGE = "Het bestand is groter dan 2,5 MB en is niet aangenomen."


class RateLimiter:
    """A sliding window of one minute per key, in this process. Several portal workers each
    count on their own: the limit per client is then at most workers x the setting."""

    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, per_minute: int) -> float:
        """Count a request; 0 when allowed, else the seconds until the next one may come."""
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and now - hits[0] >= 60.0:
                hits.popleft()
            if len(hits) >= per_minute:
                return max(0.0, 60.0 - (now - hits[0]))
            hits.append(now)
            if len(self._hits) > 10_000:  # forget idle keys; a bounded table
                for idle in [k for k, v in self._hits.items() if not v or now - v[-1] >= 60.0]:
                    del self._hits[idle]
            return 0.0

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()


LIMITER = RateLimiter()


def retry_after(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))


async def _reply(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Refuses request bodies over the upload cap before the multipart parser spools them:
    by Content-Length when it is declared, else by counting what arrives."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        limit = get_settings().max_upload_bytes + MULTIPART_OVERHEAD
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                too_large = int(declared) > limit
            except ValueError:
                await _reply(send, 400, "Ongeldige Content-Length.")
                return
            if too_large:
                await _reply(send, 413, TOO_LARGE)
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
                    cut = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if cut:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not cut:
                raise
        if cut and not started:
            await _reply(send, 413, TOO_LARGE)
