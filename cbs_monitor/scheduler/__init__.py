"""The scheduler: opens and closes the windows and sends the outbox; one instance acts (DB lease).

Register in the app with `app.register_lifespan_task(lifespan)`; run standalone with
`cbs-monitor scheduler`; `run_once()` does one reconcile and one send (tests, CLI).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

from cbs_monitor import clock
from cbs_monitor.scheduler.service import SchedulerConfig, SchedulerService
from cbs_monitor.scheduler.transitions import reconcile
from cbs_monitor.services import mailer
from cbs_monitor.settings import get_settings

__all__ = [
    "SchedulerConfig",
    "SchedulerService",
    "lifespan",
    "make_lifespan",
    "reconcile",
    "run_once",
]

log = logging.getLogger("cbs_monitor.scheduler")


def make_lifespan(
    config: SchedulerConfig | None = None,
) -> Callable[[], AbstractAsyncContextManager[SchedulerService | None]]:
    """A lifespan task for Reflex with these intervals (tests use short ones)."""

    @contextlib.asynccontextmanager
    async def lifespan() -> AsyncIterator[SchedulerService | None]:
        if not get_settings().scheduler_enabled:
            log.info("scheduler disabled (CBS_MONITOR_SCHEDULER_ENABLED=0)")
            yield None
            return
        # Reflex runs lifespan tasks in every worker: each starts one, the lease picks the one.
        service = SchedulerService(config)
        await service.start()
        try:
            yield service
        finally:
            await service.stop()

    return lifespan


lifespan = make_lifespan()


@dataclasses.dataclass(frozen=True)
class RunResult:
    actions: list[str]
    mails_sent: int


def run_once(now: dt.datetime | None = None) -> RunResult:
    """One reconcile and one round of sending, without the lease (tests, `scheduler --once`).
    Safe next to a running scheduler: every effect is keyed, every mail claimed."""
    now = now or clock.now()
    actions = reconcile(now)
    sent = mailer.send_pending(None, now)
    return RunResult(actions, sent)
