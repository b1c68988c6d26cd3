"""Per-client rate limits (429 with Retry-After) and the upload cap on the request body."""

from __future__ import annotations

import json
import math
import threading
import time
from collections import deque

from starlette.types import ASGIApp, Receive, Scope, Send

from cbs_monitor.api.body_cap import capped

# Multipart framing around the file (boundaries, part headers, the other fields).


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
        await capped(self.app, scope, receive, send, _reply)
