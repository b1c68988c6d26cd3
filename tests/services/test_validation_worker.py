"""The real worker (`cbs-monitor worker`, Huey consumer with job processes) on the real queue:
SQLite in the embedded set-up, PostgreSQL when the suite runs there, Redis in its own pass. A worker killed with
SIGKILL in the middle of a job loses nothing: the next worker's sweep finds the dead claim and
the report still comes, recorded once."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
import time

import pytest
from sqlmodel import select

from cbs_monitor import clock
from cbs_monitor.models import Delivery, DeliveryStatus, Report, ReportKind, User
from cbs_monitor.protocol.sample import generate_sample
from cbs_monitor.services import deliveries
from cbs_monitor.services.permissions import load_actor
from cbs_monitor.settings import reset_settings

# scripts/test-redis.sh sets CBS_MONITOR_TEST_QUEUE=redis (and the server's URL).
QUEUE = os.environ.get("CBS_MONITOR_TEST_QUEUE") or (
    "postgres" if os.environ.get("CBS_MONITOR_TEST_POSTGRES") else "sqlite"
)


@pytest.fixture
def db(demo_db, monkeypatch):
    monkeypatch.setenv("CBS_MONITOR_JOB_QUEUE", QUEUE)
    reset_settings()
    yield demo_db


@contextlib.contextmanager
def _worker(tmp_path, name="worker", processes=1):
    log = (tmp_path / f"{name}.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "cbs_monitor.cli", "worker", "--processes", str(processes)],
        env=dict(os.environ),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def _send(db, *, records, seed=1):
    name, data = generate_sample(
        "0363", "2026H1", records=records, seed=seed, created=clock.today()
    )
    with db.session() as s:
        actor = load_actor(
            s, s.exec(select(User).where(User.employee_id == "anna.devries")).one().id
        )
        view = deliveries.deliver(
            s, actor, "0363", name, io.BytesIO(data).read, terms_accepted=True
        )
    return view.receipt.delivery_id


def _wait(db, delivery_id, predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.session() as s:
            delivery = s.get(Delivery, delivery_id)
            if predicate(delivery):
                return delivery
        time.sleep(0.05)
    pytest.fail(f"delivery {delivery_id} did not get there in {timeout} s")


def test_the_worker_validates_a_received_delivery(db, tmp_path):
    with _worker(tmp_path):
        started = time.monotonic()
        delivery_id = _send(db, records=200)
        done = _wait(db, delivery_id, lambda d: d.status != DeliveryStatus.received)
        took = time.monotonic() - started
    assert done.status == DeliveryStatus.approved
    assert took < 20, took


def test_a_worker_killed_mid_job_loses_nothing(db, tmp_path):
    with _worker(tmp_path, "first") as first:
        delivery_id = _send(db, records=27_000)  # about 2.4 MB: a second or more of work
        claimed = _wait(db, delivery_id, lambda d: d.validation_claimed_at is not None)
        os.killpg(first.pid, signal.SIGKILL)  # the consumer and its job process, at once
        first.wait()
    assert claimed.status == DeliveryStatus.received
    with _worker(tmp_path, "second"):
        done = _wait(db, delivery_id, lambda d: d.status != DeliveryStatus.received, timeout=90)
    assert done.status == DeliveryStatus.approved
    assert done.validation_attempts == 2
    with db.session() as s:
        technical = s.exec(
            select(Report).where(
                Report.delivery_id == delivery_id, Report.kind == ReportKind.technical
            )
        ).all()
        assert len(technical) == 1


def _children(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError), open(f"/proc/{entry}/stat") as stat:
                if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                    found.add(int(entry))
    return found


def test_the_supervisor_replaces_a_job_process_that_was_killed(db, tmp_path):
    with _worker(tmp_path, processes=2) as supervisor:
        deadline = time.monotonic() + 20
        while len(_children(supervisor.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        before = _children(supervisor.pid)
        assert len(before) == 2
        victim = min(before)
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            now = _children(supervisor.pid)
            if len(now) == 2 and victim not in now:
                break
            time.sleep(0.1)
        else:
            pytest.fail("the killed job process was not replaced")
        delivery_id = _send(db, records=100)
        done = _wait(db, delivery_id, lambda d: d.status != DeliveryStatus.received)
    assert done.status == DeliveryStatus.approved
