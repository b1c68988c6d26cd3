"""Runs protocol validation in a worker process, so a big file never stalls other users' events."""

from __future__ import annotations

import asyncio
import concurrent.futures
import multiprocessing
import threading

from cbs_monitor import protocol
from cbs_monitor.protocol import TechnicalResult, ValidationContext

_pool: concurrent.futures.ProcessPoolExecutor | None = None
_lock = threading.Lock()


def _executor() -> concurrent.futures.ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            # spawn: the server process has threads (event loop, scheduler); forking them is unsafe.
            _pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=2, mp_context=multiprocessing.get_context("spawn")
            )
        return _pool


def validate_sync(filename: str, data: bytes, context: ValidationContext) -> TechnicalResult:
    return protocol.validate_upload(filename, data, context=context)


async def validate(filename: str, data: bytes, context: ValidationContext) -> TechnicalResult:
    """Validate in the process pool; falls back to a thread if the pool broke (it is rebuilt next time)."""
    global _pool
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(_executor(), validate_sync, filename, data, context)
    except concurrent.futures.process.BrokenProcessPool:
        with _lock:
            _pool = None
        return await asyncio.to_thread(validate_sync, filename, data, context)


def validate_blocking(filename: str, data: bytes, context: ValidationContext) -> TechnicalResult:
    """The same from a worker thread (a use case): this thread waits, the event loop does not,
    and the validation itself runs in another process, off the GIL of the portal."""
    global _pool
    try:
        return _executor().submit(validate_sync, filename, data, context).result()
    except concurrent.futures.process.BrokenProcessPool:
        with _lock:
            _pool = None
        return validate_sync(filename, data, context)


def shutdown() -> None:
    global _pool
    with _lock:
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
            _pool = None
