"""`make bench-rush`: one measured run against one started target."""

from __future__ import annotations

import asyncio
import json
import os
import resource
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from rush_browse import Browsing, Script
from rush_report import Result
from rush_targets import Target
from rush_upload import deliver_all
from rush_usage import UsageSampler

ROOT = Path(__file__).resolve().parent.parent
_files: dict[tuple[str, tuple[str, ...]], dict[str, tuple[str, bytes]]] = {}


def _db(target: Target, *args: str, stdin: str | None = None) -> dict:
    env = target.db_env()
    assert env is not None, f"{target.name} has no database"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "rush_db.py"), *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"rush_db.py {args[0]} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout)


def max_size_files(period: str, codes: list[str]) -> dict[str, tuple[str, bytes]]:
    """One file of about 2.6 MB per municipality, under the 2.5 MiB cap (made once per run)."""
    from cbs_monitor import clock
    from cbs_monitor.protocol.sample import generate_sample
    from cbs_monitor.settings import get_settings

    key = (period, tuple(codes))
    if key not in _files:
        print(f"  generating {len(codes)} files of about 2.5 MB …", flush=True)
        cap = get_settings().max_upload_bytes
        made = {
            code: generate_sample(
                code, period, target_bytes=2_600_000, seed=n, created=clock.today()
            )
            for n, code in enumerate(codes)
        }
        assert all(len(data) <= cap for _, data in made.values()), "a file over the upload cap"
        _files[key] = made
    return _files[key]


def _own_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def _sampler(target: Target) -> UsageSampler:
    return UsageSampler(lambda: (target.sessions(), set(target.node_pgids()), target.marker()))


async def rush(
    target: Target,
    script: Script,
    *,
    municipalities: int,
    sessions: int,
    spread: float,
    think: float,
    quiet: float,
    poll: float,
    report_timeout: float,
    kill: bool = False,
) -> Result:
    """The rush on a started portal target: browsing alone for `quiet` s, then the uploads."""
    result = Result(target.name + (" (node1 killed)" if kill else ""))
    data = _db(
        target, "prepare", "--municipalities", str(municipalities), "--sessions", str(sessions)
    )
    files = max_size_files(data["period"], [c["code"] for c in data["clients"]])
    result.files = len(files)
    cookies: list[str | None] = [f"{data['session_cookie']}={t}" for t in data["sessions"]]
    browsing = Browsing(target.url, target.origin(), script, cookies, think=think)
    await browsing.connect()
    sampler = _sampler(target)
    browsing.start()
    quiet_start = time.perf_counter()
    await asyncio.sleep(quiet)
    sampler.start()
    client_cpu = _own_cpu()
    rush_start = time.perf_counter()
    killed: list[float] = []

    def on_receipt(n: int) -> None:
        if kill and not killed and n >= municipalities // 2:
            node = target.node_pgids()[0]
            os.killpg(node, signal.SIGKILL)
            killed.append(time.perf_counter() - rush_start)
            print(f"  killed node1 (process group {node}) with SIGKILL after {n} receipts")

    uploads = await deliver_all(
        target.url,
        data["clients"],
        files,
        spread=spread,
        poll=poll,
        report_timeout=report_timeout,
        run_id=f"bench-{uuid.uuid4().hex[:8]}",
        on_receipt=on_receipt,
    )
    rush_end = time.perf_counter()
    result.cpu, result.rss, result.cpu_parts = sampler.stop()
    result.client_cpu = _own_cpu() - client_cpu
    await browsing.stop()
    result.seconds = rush_end - rush_start

    answered = [t for t in browsing.window(rush_start, rush_end) if t.seconds is not None]
    result.rush = [t.seconds for t in answered if t.seconds is not None]
    result.rush_tab = [t.seconds for t in answered if t.label == "tab" and t.seconds is not None]
    result.rush_tonen = [
        t.seconds for t in answered if t.label == "Tonen" and t.seconds is not None
    ]
    result.quiet = [
        t.seconds for t in browsing.window(quiet_start, rush_start) if t.seconds is not None
    ]
    result.unanswered = sum(1 for t in browsing.trips if t.seconds is None)
    result.disconnects = browsing.disconnects
    result.redirects = dict(browsing.redirects)

    with_receipt = [u for u in uploads if u.receipt is not None]
    result.receipts = [u.receipt for u in with_receipt if u.receipt is not None]
    result.reports = [u.report for u in with_receipt if u.report is not None]
    result.lost = sum(1 for u in with_receipt if u.report is None)
    result.refused = len(uploads) - len(with_receipt)
    result.retried = sum(1 for u in uploads if u.attempts > 1)
    result.throttled = sum(u.throttled for u in uploads)
    errors = sorted({f"{u.code}: {u.error}" for u in uploads if u.error})
    if errors:
        result.note = "errors: " + "; ".join(errors[:5])
    ids = [u.delivery_id for u in with_receipt if u.delivery_id is not None]
    checked = _db(target, "check", stdin=json.dumps(ids))
    result.doubled = checked["doubled"]
    result.statuses = checked["statuses"]
    if kill and killed:
        result.note = (f"node1 killed {killed[0]:.1f} s into the rush. " + result.note).strip()
    return result


async def bare(
    target: Target, script: Script, *, sessions: int, think: float, seconds: float
) -> Result:
    """The same browsing load, Increment clicks, on the bare app alone."""
    result = Result(target.name + " app alone")
    browsing = Browsing(target.url, target.origin(), script, [None] * sessions, think=think)
    await browsing.connect()
    sampler = _sampler(target)
    browsing.start()
    sampler.start()
    client_cpu = _own_cpu()
    start = time.perf_counter()
    await asyncio.sleep(seconds)
    end = time.perf_counter()
    result.cpu, result.rss, result.cpu_parts = sampler.stop()
    result.client_cpu = _own_cpu() - client_cpu
    await browsing.stop()
    result.seconds = end - start
    result.rush = [t.seconds for t in browsing.window(start, end) if t.seconds is not None]
    result.unanswered = sum(1 for t in browsing.trips if t.seconds is None)
    result.disconnects = browsing.disconnects
    result.redirects = dict(browsing.redirects)
    return result
