"""The APScheduler instance: lease, periodic reconcile, mail sending and a job per window moment."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import TypeVar

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from cbs_monitor import clock
from cbs_monitor import db as database
from cbs_monitor.scheduler import transitions
from cbs_monitor.services import lease, mailer, periods
from cbs_monitor.settings import get_settings

log = logging.getLogger("cbs_monitor.scheduler")
T = TypeVar("T")
WINDOW_JOB_PREFIX = "window/"


@dataclasses.dataclass(frozen=True)
class SchedulerConfig:
    """Intervals in seconds. The lease must outlive a few renewals, so a slow tick or a busy
    database does not hand the work to a second instance. A leader that dies without handing
    over is replaced within lease + renewal (4/3 of the lease) by a standby instance."""

    lease_seconds: float = dataclasses.field(
        default_factory=lambda: get_settings().scheduler_lease_seconds
    )
    reconcile_seconds: float = 60.0
    send_seconds: float = 15.0
    # How long stop() waits for work already running in a thread.
    stop_timeout: float = 30.0

    @property
    def renew_seconds(self) -> float:
        return self.lease_seconds / 3


def _clock_is_fixed() -> bool:
    # clock.set_fixed() keeps its moment in clock._override (tests, demos); settings.clock_fixed
    # is the configured variant.
    return getattr(clock, "_override", None) is not None or bool(get_settings().clock_fixed)


class SchedulerService:
    """One per process. Every instance runs the jobs; only the lease holder acts in them."""

    def __init__(self, config: SchedulerConfig | None = None, holder: str | None = None):
        self.config = config or SchedulerConfig()
        self.holder = holder or lease.new_holder_id()
        self.is_leader = False
        self.last_actions: list[str] = []
        self.reconciles = 0  # reconciles this instance carried out as the active one
        self.mails_sent = 0
        self._scheduler: AsyncIOScheduler | None = None
        self._inflight: set[asyncio.Future] = set()
        self._reconcile_lock = asyncio.Lock()
        self._stopping = False
        self._stop_event = threading.Event()  # tells work in a thread to wrap up

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Returns at once: the first lease, reconcile and send run as jobs straight after."""
        sched = AsyncIOScheduler(
            timezone=dt.UTC,
            # A job that missed its moment (busy loop, suspended laptop) runs once, late.
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        first = lease.wall_clock()
        cfg = self.config
        sched.add_job(
            self.lease_tick,
            IntervalTrigger(seconds=cfg.renew_seconds),
            id="lease",
            next_run_time=first,
        )
        sched.add_job(
            self.reconcile_tick,
            IntervalTrigger(seconds=cfg.reconcile_seconds),
            id="reconcile",
            next_run_time=first,
        )
        sched.add_job(
            self.send_tick,
            IntervalTrigger(seconds=cfg.send_seconds),
            id="send-mail",
            next_run_time=first,
        )
        sched.start()
        self._scheduler = sched
        log.info(
            "scheduler %s started (lease %gs, reconcile every %gs, mail every %gs)",
            self.holder,
            cfg.lease_seconds,
            cfg.reconcile_seconds,
            cfg.send_seconds,
        )

    async def stop(self) -> None:
        """Stop the jobs, let running work finish, and hand the lease over at once."""
        self._stopping = True
        self._stop_event.set()
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        pending = [f for f in self._inflight if not f.done()]
        if pending:
            await asyncio.wait(pending, timeout=self.config.stop_timeout)
        if self.is_leader:
            try:
                await asyncio.to_thread(self._release)
            except Exception:
                log.exception("could not release the lease")
        self.is_leader = False
        log.info("scheduler %s stopped", self.holder)

    # --- jobs (coroutines on the event loop; the database work runs in a thread) -----------

    async def _in_thread(self, fn: Callable[[], T]) -> T | None:
        if self._stopping:
            return None
        future = asyncio.ensure_future(asyncio.to_thread(fn))
        self._inflight.add(future)
        try:
            # shield: a cancelled job must not orphan a thread that still writes the database.
            return await asyncio.shield(future)
        finally:
            if future.done():
                self._inflight.discard(future)
            else:
                future.add_done_callback(self._inflight.discard)

    async def lease_tick(self) -> None:
        was_leader = self.is_leader
        await self._in_thread(self._hold_lease)
        if self.is_leader and not was_leader and not self._reconcile_lock.locked():
            # Just became the active instance: catch up at once instead of at the next tick.
            self._run_soon("reconcile")

    async def reconcile_tick(self) -> None:
        async with self._reconcile_lock:
            result = await self._in_thread(self._reconcile_work)
        if result is not None:
            actions, all_periods = result
            if actions:
                self._run_soon("send-mail")  # mails of a transition go out now, not in 15 s
            self._plan_window_jobs(all_periods)

    async def send_tick(self) -> None:
        await self._in_thread(self._send_work)

    def _run_soon(self, job_id: str) -> None:
        if self._scheduler is not None and not self._stopping:
            self._scheduler.modify_job(job_id, next_run_time=lease.wall_clock())

    # --- work in a thread -------------------------------------------------------------------

    def _hold_lease(self) -> bool:
        """Take or renew the lease; log when this instance becomes active or stands by."""
        try:
            with database.session() as db:
                held = lease.acquire(db, self.holder, self.config.lease_seconds)
        except Exception:
            log.exception("lease renewal failed")
            held = False
        if held and not self.is_leader:
            log.info("scheduler %s is now the active instance", self.holder)
        elif not held and self.is_leader:
            log.warning("scheduler %s lost the lease; standing by", self.holder)
        self.is_leader = held
        return held

    def _release(self) -> None:
        with database.session() as db:
            lease.release(db, self.holder)

    def _reconcile_work(self) -> tuple[list[str], list]:
        actions: list[str] = []
        if self._hold_lease():
            actions = transitions.reconcile()
            self.last_actions = actions
            self.reconciles += 1
            if actions:
                log.info("reconcile by %s: %s", self.holder, ", ".join(actions))
        with database.session() as db:
            return actions, periods.all_periods(db)

    def _send_work(self) -> None:
        if not self._hold_lease():
            return
        sent = mailer.send_pending(None, stop=self._stop_event)
        if sent:
            self.mails_sent += sent
            log.info("mail by %s: %d sent", self.holder, sent)

    # --- one job per window moment ------------------------------------------------------------

    def _plan_window_jobs(self, all_periods: list) -> None:
        """A date job at each coming window moment, so windows change on the second rather than
        at the next reconcile tick. APScheduler counts real time while the portal may run on a
        shifted clock: the moment is moved by the clock's offset."""
        sched = self._scheduler
        if sched is None:
            return
        real_now = lease.wall_clock()
        offset = clock.now() - real_now
        wanted: dict[str, dt.datetime] = {}
        # A standing (fixed) clock never reaches a moment; the periodic reconcile follows jumps.
        if not _clock_is_fixed():
            for job_id, moment in transitions.transition_moments(all_periods).items():
                run_at = moment - offset + dt.timedelta(seconds=1)
                if run_at > real_now:
                    wanted[job_id] = run_at
        for job in sched.get_jobs():
            if job.id.startswith(WINDOW_JOB_PREFIX) and job.id not in wanted:
                job.remove()
        for job_id, run_at in wanted.items():
            existing = sched.get_job(job_id)
            if existing is not None and abs((existing.next_run_time - run_at).total_seconds()) < 1:
                continue
            sched.add_job(
                self.reconcile_tick, DateTrigger(run_date=run_at), id=job_id, replace_existing=True
            )

    def window_jobs(self) -> dict[str, dt.datetime]:
        """Job id -> real run time of the planned window jobs (for tests and the CLI)."""
        if self._scheduler is None:
            return {}
        return {
            j.id: j.next_run_time
            for j in self._scheduler.get_jobs()
            if j.id.startswith(WINDOW_JOB_PREFIX)
        }
