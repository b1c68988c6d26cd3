"""Can this node serve? What a proxy's health check asks (`/healthz`): the database, the job
queue, the file storage and, where one is configured, the state store (Redis) must answer.

A node that fails any of them answers 503, so the proxy routes around it. Only component names
and ok/fail leave this module: no host names, no error texts (they help an attacker, not a
proxy); the cause goes to the log.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

import sqlalchemy

from cbs_monitor import db
from cbs_monitor.services import storage, validation_queue

log = logging.getLogger("cbs_monitor.health")
# A key no file has: looking it up reaches the storage without touching a delivery's file.
_PROBE_KEY = "0" * 64


@dataclasses.dataclass(frozen=True)
class HealthView:
    checks: dict[str, bool]

    @property
    def ok(self) -> bool:
        return all(self.checks.values())


def _database() -> None:
    with db.get_engine().connect() as conn:
        conn.execute(sqlalchemy.text("SELECT 1"))


def _job_queue() -> None:
    validation_queue.pending_jobs()


def _storage() -> None:
    storage.exists(_PROBE_KEY)


def _state_store(url: str) -> Callable[[], None]:
    def check() -> None:
        import redis

        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        try:
            client.ping()
        finally:
            client.close()

    return check


def check(state_store_url: str = "") -> HealthView:
    """Run every check (blocking: call it from a thread); a failure is logged, not raised."""
    checks: dict[str, Callable[[], None]] = {
        "database": _database,
        "job_queue": _job_queue,
        "storage": _storage,
    }
    if state_store_url:
        checks["state_store"] = _state_store(state_store_url)
    results: dict[str, bool] = {}
    for name, run in checks.items():
        try:
            run()
            results[name] = True
        except Exception:
            log.exception("health check %s failed", name)
            results[name] = False
    return HealthView(results)
