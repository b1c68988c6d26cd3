"""The validation worker: a Huey consumer that runs the validation jobs, with the sweep beside it.

`cbs-monitor worker` runs it in the foreground (a production node runs one, under its service
manager); the embedded set-up starts it from the portal's lifespan (`lifespan`) and starts it
again when it dies. Any number of workers may run on any number of nodes: the claims on the
delivery rows keep each job recorded once. Jobs run in processes of their own at low priority,
so a heavy file never slows the pages.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator

from cbs_monitor import clock, db
from cbs_monitor.services import validation_jobs, validation_queue
from cbs_monitor.settings import get_settings

log = logging.getLogger("cbs_monitor.worker")
SWEEP_SECONDS = 5.0
# Idle polling of the queue: quick enough that a report follows its receipt within a second.
POLL = {"initial_delay": 0.05, "backoff": 1.5, "max_delay": 0.5}
RESTART_SECONDS = 2.0


def _sweep_forever(stop: threading.Event) -> None:
    started_at: dt.datetime | None = (
        clock.now()
    )  # the first sweep also takes what a dead worker held
    while not stop.is_set():
        try:
            validation_jobs.sweep(started_at=started_at)
            started_at = None
        except Exception:  # a failed sweep is logged and tried again
            log.exception("sweep failed")
        stop.wait(SWEEP_SECONDS)


def _end_with_parent(parent_pid: int, stop: threading.Event) -> None:
    """Started by a portal process: stop when that process is gone (even after kill -9)."""
    while not stop.wait(1.0):
        if os.getppid() != parent_pid:
            log.info("portal process %s is gone; stopping", parent_pid)
            os.kill(os.getpid(), signal.SIGTERM)
            return


def _lower_priority() -> None:
    with contextlib.suppress(OSError):
        os.nice(10)


def run_worker(*, processes: int | None = None, parent_pid: int | None = None) -> None:
    """Run jobs until SIGTERM/SIGINT. Blocks; must run in the main thread (signals).

    Each job process is a Huey consumer with one thread, started as a fresh interpreter (no fork
    of a process with threads: a fork while another thread holds a lock hangs the child). With
    more than one, this process only supervises them and starts a new one when one dies."""
    settings = get_settings()
    if settings.job_queue == "immediate":
        raise SystemExit("CBS_MONITOR_JOB_QUEUE=immediate runs jobs in-process: no worker needed.")
    count = processes or settings.validation_workers
    if count > 1:
        _supervise(count, parent_pid)
        return
    _lower_priority()
    stop = threading.Event()
    if parent_pid:
        threading.Thread(target=_end_with_parent, args=(parent_pid, stop), daemon=True).start()
    threading.Thread(target=_sweep_forever, args=(stop,), daemon=True).start()
    consumer = validation_queue.queue().create_consumer(
        workers=1, worker_type="thread", periodic=False, **POLL
    )
    try:
        consumer.run()
    finally:
        stop.set()


def _child(parent_pid: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cbs_monitor.cli",
            "worker",
            "--processes",
            "1",
            "--parent-pid",
            str(parent_pid),
        ]
    )


def _supervise(count: int, parent_pid: int | None) -> None:
    stopping = threading.Event()

    def stop(_signum: int, _frame: object) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    me = os.getpid()
    children = [_child(me) for _ in range(count)]
    log.info("validation worker: %s job processes (%s)", count, [c.pid for c in children])
    try:
        while not stopping.wait(RESTART_SECONDS / 4):
            if parent_pid and os.getppid() != parent_pid:
                break
            for index, child in enumerate(children):
                if child.poll() is not None:
                    log.warning(
                        "job process %s ended (%s); starting a new one", child.pid, child.returncode
                    )
                    children[index] = _child(me)
    finally:
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


# --- the embedded set-up: the portal starts its own worker -----------------------------------


def _spawn() -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "cbs_monitor.cli", "worker", "--parent-pid", str(os.getpid())],
        start_new_session=True,  # its own process group: it and its job processes end together
    )


def _end(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextlib.asynccontextmanager
async def lifespan() -> AsyncIterator[None]:
    """Reflex lifespan task: keep one worker running beside this portal process."""
    settings = get_settings()
    if not settings.worker_in_server or settings.job_queue == "immediate":
        yield
        return

    async def keep_running() -> None:
        process = await asyncio.to_thread(_spawn)
        try:
            while True:
                await asyncio.sleep(RESTART_SECONDS)
                if process.poll() is not None:
                    log.warning(
                        "validation worker ended (%s); starting a new one", process.returncode
                    )
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, signal.SIGKILL)  # its job processes too
                    process = await asyncio.to_thread(_spawn)
        finally:
            await asyncio.to_thread(_end, process)

    task = asyncio.create_task(keep_running())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def wait_until_idle(timeout: float = 30.0) -> bool:
    """True once no delivery waits for its report (tests and benchmarks)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.session() as session:
            _mine, total = validation_jobs.waiting_counts(session, "")
        if total == 0:
            return True
        time.sleep(0.1)
    return False
