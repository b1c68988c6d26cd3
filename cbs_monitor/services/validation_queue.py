"""Validation as durable jobs: a Huey queue carries "validate delivery N" to any node's worker.

Huey (well kept, small, no broker of its own to run) stores its queue in SQLite for the embedded
set-up (a file in the data dir, no server) and in PostgreSQL or Redis in production, with the
same code. It does not redeliver a job whose worker died, and it knows nothing of fairness; the
database does both: a delivery stays 'ontvangen' until its report is recorded, a job claims it
with a conditional update (one claim at a time per municipality), and a sweep re-queues a claim
that outlived its lease (a killed worker). So a job may arrive twice; it is recorded once.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from huey import Huey, MemoryHuey, PostgresHuey, RedisHuey, SqliteHuey
from sqlalchemy.engine import make_url

from cbs_monitor.settings import Settings, get_settings

log = logging.getLogger("cbs_monitor.validation")
QUEUE_NAME = "cbs-monitor-validation"
# A job of a municipality whose other file is being validated waits this long, then tries again.
BUSY_RETRY_SECONDS = 1.0


def _postgres_dsn(url: str) -> str:
    """psycopg's connection string from the portal's SQLAlchemy URL."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def _build(settings: Settings) -> Huey:
    if settings.job_queue == "immediate":
        # In-process, at once: the job runs when it is queued (after the receipt's commit). For
        # tests of the services and for one-off commands; a portal always has a real queue.
        return MemoryHuey(QUEUE_NAME, immediate=True, results=False)
    if settings.job_queue == "postgres":
        return PostgresHuey(QUEUE_NAME, dsn=_postgres_dsn(settings.db_url), results=False)
    if settings.job_queue == "redis":
        return RedisHuey(QUEUE_NAME, url=settings.redis_url, results=False)
    settings.ensure_dirs()
    return SqliteHuey(QUEUE_NAME, filename=str(settings.data_dir / "jobs.db"), results=False)


@functools.lru_cache(maxsize=8)
def _queue_for(key: tuple[Any, ...]) -> tuple[Huey, Any]:
    settings = get_settings()
    huey = _build(settings)

    def validate(delivery_id: int) -> None:
        from cbs_monitor.services import validation_jobs  # the job's body needs the services

        validation_jobs.run(delivery_id)

    task = huey.task(name="validate-delivery")(validate)
    return huey, task


def _key(settings: Settings) -> tuple[Any, ...]:
    return (settings.job_queue, settings.db_url, settings.redis_url, str(settings.data_dir))


def queue() -> Huey:
    """The queue of the configured backend (one per settings, so tests can switch data dirs)."""
    return _queue_for(_key(get_settings()))[0]


def enqueue(delivery_id: int, *, delay: float = 0.0) -> None:
    """Ask a worker to validate a delivery (again): cheap, and safe to repeat."""
    _huey, task = _queue_for(_key(get_settings()))
    if delay:
        task.schedule(args=(delivery_id,), delay=delay)
    else:
        task(delivery_id)


def pending_jobs() -> int:
    return queue().pending_count()
