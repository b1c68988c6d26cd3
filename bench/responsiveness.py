"""`make bench`, part 2: does validating a 2.5 MB delivery stall the server's event loop for others?

The backend is one process with one event loop; every user's events run on it. This measures the
event-loop lag (how late a 5 ms ticker fires, the delay every other user would feel) while one
2.5 MB upload is validated three ways: inline on the loop, in a thread (the GIL is still held by
pure-Python parts), and in the portal's process pool (services/validation_pool.py, what the
Aanleveren tab uses). Reported: wall time of the validation and the worst and 99th-percentile lag.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cbs_monitor.protocol import ValidationContext  # noqa: E402
from cbs_monitor.protocol.sample import generate_sample  # noqa: E402
from cbs_monitor.services import validation_pool  # noqa: E402

TICK = 0.005


async def _ticker(lags: list[float], stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        before = loop.time()
        await asyncio.sleep(TICK)
        lags.append(max(0.0, loop.time() - before - TICK))


async def _measure(
    mode: str, name: str, data: bytes, context: ValidationContext
) -> tuple[float, list[float]]:
    lags: list[float] = []
    stop = asyncio.Event()
    ticker = asyncio.create_task(_ticker(lags, stop))
    await asyncio.sleep(0.05)
    lags.clear()
    start = time.perf_counter()
    if mode == "inline":
        validation_pool.validate_sync(name, data, context)
    elif mode == "thread":
        await asyncio.to_thread(validation_pool.validate_sync, name, data, context)
    else:
        await validation_pool.validate(name, data, context)
    wall = time.perf_counter() - start
    await asyncio.sleep(0.02)
    stop.set()
    await ticker
    return wall, lags


async def main(runs: int = 5) -> None:
    name, data = generate_sample("0363", "2026H1", target_bytes=2_621_439, seed=1)
    context = ValidationContext(upload_date=dt.date(2026, 9, 1))
    await validation_pool.validate(name, data, context)  # start the pool's workers first
    print(f"\nEvent-loop lag while validating {name} ({len(data):,} bytes), median of {runs} runs:")
    print(f"  {'mode':<14}{'validation':>12}{'worst lag':>12}{'p99 lag':>10}")
    for mode in ("inline", "thread", "process pool"):
        walls, worst, p99 = [], [], []
        for _ in range(runs):
            wall, lags = await _measure(mode, name, data, context)
            walls.append(wall)
            worst.append(max(lags) if lags else wall)
            ordered = sorted(lags) or [wall]
            p99.append(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))])
        print(
            f"  {mode:<14}{statistics.median(walls) * 1000:>10.1f}ms"
            f"{statistics.median(worst) * 1000:>10.1f}ms{statistics.median(p99) * 1000:>8.1f}ms"
        )
    validation_pool.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
