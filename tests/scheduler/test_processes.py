"""Real scheduler processes on one database: two at once (one acts); killed and restarted."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlmodel import select

from cbs_monitor.models import Organisation, OrganisationKind, OutboxMail, Role, User, UserRole
from cbs_monitor.services import lease
from tests.scheduler.test_time_travel import OPEN_MAILS

ROOT = Path(__file__).resolve().parents[2]
D = dt.date
FAST = ["--lease-seconds", "2", "--reconcile-seconds", "0.3", "--send-seconds", "0.1"]


class Proc:
    def __init__(self, log: Path, clock_fixed: str, args: list[str], **extra_env: str):
        self.log = log
        env = {
            **os.environ,
            "CBS_MONITOR_CLOCK_FIXED": clock_fixed,
            "PYTHONUNBUFFERED": "1",
            **extra_env,
        }
        self._out = open(log, "wb")  # noqa: SIM115 — closed in stop()
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "cbs_monitor.cli", "scheduler", *args],
            stdout=self._out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=ROOT,
        )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    @property
    def holder(self) -> str | None:
        for line in self.text().splitlines():
            if "scheduler " in line and " started (" in line:
                return line.split("scheduler ", 1)[1].split(" started", 1)[0]
        return None

    @property
    def active(self) -> bool:
        return "is now the active instance" in self.text()

    def acted(self) -> bool:
        return "reconcile by " in self.text() or "mail by " in self.text()

    def stop(self, sig=signal.SIGTERM, timeout: float = 20) -> int:
        if self.popen.poll() is None:
            self.popen.send_signal(sig)
        try:
            return self.popen.wait(timeout)
        finally:
            self._out.close()

    def kill(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(10)
        self._out.close()


@pytest.fixture
def procs():
    started: list[Proc] = []
    yield started
    for proc in started:  # never leave one running, whatever the test did
        proc.kill()


def wait_for(condition, timeout: float = 30.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def sent(world) -> int:
    with world.db.session() as s:
        return len(s.exec(select(OutboxMail.id).where(OutboxMail.sent_at.is_not(None))).all())


def _lease_expiry(world):
    from cbs_monitor.models import SchedulerLease

    with world.db.session() as s:
        return max(lease.expires_at for lease in s.exec(select(SchedulerLease)).all())


def test_two_scheduler_processes_only_one_acts_and_the_other_takes_over(world, procs, tmp_path):
    world.add_period("2026H1", (D(2026, 7, 1), D(2026, 8, 31)), (D(2026, 9, 14), D(2026, 9, 25)))
    a = Proc(tmp_path / "a.log", "2026-07-01T09:00", FAST)
    b = Proc(tmp_path / "b.log", "2026-07-01T09:00", FAST)
    procs += [a, b]
    wait_for(lambda: a.holder and b.holder, what="both started")
    wait_for(lambda: sent(world) == 7, what="the opening mails")
    # A few more renewals of the lease (the standby tried to take it at each of its ticks too).
    for _ in range(3):
        before = _lease_expiry(world)
        wait_for(lambda before=before: _lease_expiry(world) > before, what="a lease renewal")
    assert [a.active, b.active].count(True) == 1, a.text() + b.text()
    active, standby = (a, b) if a.active else (b, a)
    assert active.acted() and not standby.acted(), standby.text()
    assert f"reconcile by {active.holder}: delivery-opened/2026H1" in active.text()
    with world.db.session() as s:
        assert lease.current_holder(s) == active.holder

    # The active one dies (no clean stop, the lease stays until it lapses): the standby
    # takes over and handles what comes next.
    active.kill()
    world.add_period("2026H2", (D(2026, 6, 29), D(2026, 7, 10)), (D(2026, 7, 20), D(2026, 7, 24)))
    wait_for(lambda: sent(world) == 14, what="the new period's mails from the standby")
    assert standby.active
    # The reconcile logs when it is wholly done, which may be after its mails went out.
    wait_for(
        lambda: f"reconcile by {standby.holder}: delivery-opened/2026H2" in standby.text(),
        what="the standby's reconcile line",
    )
    assert standby.stop() == 0
    assert f"scheduler {standby.holder} stopped" in standby.text()
    with world.db.session() as s:
        assert lease.current_holder(s) is None
    files = world.eml_files()  # fails on any key written twice
    assert len(files) == 14 and set(files) >= OPEN_MAILS


def test_a_dead_leader_is_replaced_within_four_thirds_of_the_lease_setting(world, procs, tmp_path):
    """The takeover time is CBS_MONITOR_SCHEDULER_LEASE_SECONDS: the lease lapses at most a
    lease after the leader's last renewal, and the standby tries every third of a lease."""
    lease_seconds = 3.0
    env = {"CBS_MONITOR_SCHEDULER_LEASE_SECONDS": str(lease_seconds)}
    fast = ["--reconcile-seconds", "0.3", "--send-seconds", "0.1"]
    a = Proc(tmp_path / "a.log", "2026-07-01T09:00", fast, **env)
    b = Proc(tmp_path / "b.log", "2026-07-01T09:00", fast, **env)
    procs += [a, b]
    wait_for(lambda: a.active or b.active, what="a leader")
    assert f"(lease {lease_seconds:g}s," in a.text() + b.text()
    leader, standby = (a, b) if a.active else (b, a)
    wait_for(lambda: standby.holder is not None, what="the standby")
    leader.kill()
    killed = time.monotonic()
    wait_for(lambda: standby.active, timeout=4 * lease_seconds, what="the takeover")
    takeover = time.monotonic() - killed
    # 4/3 of the lease, plus a renewal's worth of slack for a loaded machine.
    assert takeover <= lease_seconds * 4 / 3 + 1.0, takeover


def _many_product_managers(world, count: int) -> int:
    """A product manager for `count` municipalities that have none in the demo data."""
    from cbs_monitor.models import Municipality

    with world.db.session() as s:
        taken = {o.municipality_code for o in s.exec(select(Organisation)) if o.municipality_code}
        codes = [
            c
            for c in s.exec(select(Municipality.code).order_by(Municipality.code))
            if c not in taken
        ]
        for code in codes[:count]:
            org = Organisation(
                kind=OrganisationKind.municipality,
                name=f"Gemeente {code}",
                identifier=f"test-{code}",
                municipality_code=code,
            )
            s.add(org)
            s.flush()
            user = User(
                organisation_id=org.id,
                name=f"Beheerder {code}",
                email=f"pm{code}@test.example",
                employee_id=f"pm{code}",
            )
            s.add(user)
            s.flush()
            s.add(UserRole(user_id=user.id, role=Role.product_manager))
    return min(count, len(codes))


def test_killed_in_the_middle_of_sending_and_restarted_nothing_lost_nothing_doubled(
    world, procs, tmp_path
):
    total = 7 + _many_product_managers(world, 120)
    world.add_period("2026H1", (D(2026, 7, 1), D(2026, 8, 31)), (D(2026, 9, 14), D(2026, 9, 25)))
    first = Proc(tmp_path / "first.log", "2026-07-01T09:00", FAST)
    procs.append(first)
    wait_for(lambda: len(list(world.outbox_dir.glob("*.eml"))) >= 20, what="the first mails")
    first.kill()  # SIGKILL: no clean stop, maybe a mail half done, the lease still held
    halfway = sent(world)
    assert 10 <= halfway < total, f"not killed in the middle ({halfway} of {total})"
    with world.db.session() as s:
        claimed = s.exec(
            select(OutboxMail).where(OutboxMail.sent_at.is_(None), OutboxMail.attempts > 0)
        ).all()
    assert len(claimed) <= 1  # at most the one in hand
    claimed_ids = {m.id for m in claimed}

    # Restarted minutes later (a claimed mail is retried once its claim has lapsed).
    second = Proc(tmp_path / "second.log", "2026-07-01T09:10", FAST)
    procs.append(second)
    wait_for(lambda: sent(world) == total, what="all mails after the restart")
    assert second.stop() == 0
    assert "delivery-opened" not in second.text()  # done before the kill, not again
    files = world.eml_files()  # fails on any key written twice
    assert len(files) == total
    outbox = world.outbox()
    assert len(outbox) == total and all(m.sent_at for m in outbox)
    assert [m.attempts for m in outbox if m.id not in claimed_ids] == [1] * (
        total - len(claimed_ids)
    )
    assert [m.attempts for m in outbox if m.id in claimed_ids] == [2] * len(claimed_ids)
    assert len(world.messages("notificatie_verstuurd")) == total
    assert world.events() == ["delivery-opened/2026H1"]
    assert len(world.messages("aanleverperiode_geopend")) == 342
