"""`make bench-rush`: the municipalities' files through the supplier API, over HTTP.

Per municipality: a token (client credentials, before the rush), then at a random moment in the
spread `POST /api/v1/deliveries` with an Idempotency-Key (upload → receipt = until the 202), then
`GET /api/v1/deliveries/{id}` every `poll` seconds until `stage` is `klaar` with the technical
report in it (upload → report). A request that fails on the way (a killed node, a 502 from
nginx) is sent again with the same key, as a supplier's software would; a 429 waits its
Retry-After. Both are counted.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import time
from collections.abc import Callable

import httpx

API = "/api/v1"
RETRIES = 5
_RETRY_STATUSES = {500, 502, 503, 504}


@dataclasses.dataclass
class Upload:
    code: str
    offset: float  # seconds after the rush starts
    started: float = 0.0
    receipt: float | None = None  # seconds from the upload's start to its 202
    report: float | None = None  # seconds from the upload's start to the technical report
    delivery_id: int | None = None
    stage: str = ""
    attempts: int = 0
    throttled: int = 0
    poll_errors: int = 0
    error: str = ""


async def _token(http: httpx.AsyncClient, client_id: str, secret: str) -> str:
    for _ in range(RETRIES):
        resp = await http.post(
            API + "/token", auth=(client_id, secret), data={"grant_type": "client_credentials"}
        )
        if resp.status_code == 429:
            await asyncio.sleep(float(resp.headers.get("Retry-After", "1")))
            continue
        resp.raise_for_status()
        return resp.json()["access_token"]
    raise RuntimeError(f"no token for {client_id}")


async def tokens(base: str, clients: list[dict]) -> dict[str, str]:
    """A bearer token per municipality code (not part of any measured time)."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        got = await asyncio.gather(*(_token(http, c["client_id"], c["secret"]) for c in clients))
    return {c["code"]: t for c, t in zip(clients, got)}


async def _send(
    http: httpx.AsyncClient, up: Upload, token: str, name: str, data: bytes, key: str
) -> dict | None:
    """POST until a 202 (or a refusal that is final); the receipt's JSON or None."""
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
    while up.attempts < RETRIES:
        up.attempts += 1
        try:
            resp = await http.post(
                API + "/deliveries", headers=headers, files={"file": (name, data, "text/csv")}
            )
        except httpx.HTTPError as error:
            up.error = type(error).__name__
            await asyncio.sleep(0.5)
            continue
        if resp.status_code == 202:
            up.error = ""
            return resp.json()
        if resp.status_code == 429:
            up.throttled += 1
            up.attempts -= 1
            await asyncio.sleep(float(resp.headers.get("Retry-After", "1")))
            continue
        up.error = f"HTTP {resp.status_code}"
        if resp.status_code not in _RETRY_STATUSES:
            return None
        await asyncio.sleep(0.5)
    return None


async def _poll(
    http: httpx.AsyncClient, up: Upload, token: str, url: str, poll: float, give_up_after: float
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    deadline = time.perf_counter() + give_up_after
    while time.perf_counter() < deadline:
        try:
            resp = await http.get(url, headers=headers)
        except httpx.HTTPError:
            up.poll_errors += 1
            await asyncio.sleep(poll)
            continue
        if resp.status_code == 429:
            up.throttled += 1
            await asyncio.sleep(float(resp.headers.get("Retry-After", "1")))
            continue
        if resp.status_code != 200:
            up.poll_errors += 1
            await asyncio.sleep(poll)
            continue
        body = resp.json()
        up.stage = body.get("stage", "")
        if up.stage == "klaar" and body.get("technical_report"):
            up.report = time.perf_counter() - up.started
            return
        if up.stage == "fout":
            up.error = "technische fout"
            return
        await asyncio.sleep(poll)
    up.error = up.error or "no report in time"


async def deliver_all(
    base: str,
    clients: list[dict],
    files: dict[str, tuple[str, bytes]],
    *,
    spread: float,
    poll: float,
    report_timeout: float,
    run_id: str,
    on_receipt: Callable[[int], None] = lambda n: None,
    seed: int = 1,
) -> list[Upload]:
    """Every municipality's file once, arriving at random moments over `spread` seconds."""
    rng = random.Random(seed)
    codes = [c["code"] for c in clients]
    bearer = await tokens(base, clients)
    uploads = [Upload(code, rng.uniform(0, spread)) for code in codes]
    receipts = 0
    limits = httpx.Limits(max_connections=4 * len(codes), max_keepalive_connections=2 * len(codes))

    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        rush = time.perf_counter()

        async def one(up: Upload) -> None:
            nonlocal receipts
            await asyncio.sleep(max(0.0, rush + up.offset - time.perf_counter()))
            name, data = files[up.code]
            up.started = time.perf_counter()
            receipt = await _send(http, up, bearer[up.code], name, data, f"{run_id}-{up.code}")
            if receipt is None:
                return
            up.receipt = time.perf_counter() - up.started
            up.delivery_id = int(receipt["id"])
            receipts += 1
            on_receipt(receipts)
            await _poll(http, up, bearer[up.code], receipt["status_url"], poll, report_timeout)

        await asyncio.gather(*(one(up) for up in uploads))
    return uploads
