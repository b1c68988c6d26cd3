"""The scheduler as a lifespan task: background work, clean stop, restarts lose nothing."""

import asyncio
import datetime as dt
import time

import pytest

from cbs_monitor import clock, scheduler
from cbs_monitor.scheduler import SchedulerConfig, SchedulerService, make_lifespan
from cbs_monitor.services import lease, mailer
from cbs_monitor.settings import reset_settings
from tests.scheduler.conftest import local
from tests.scheduler.test_time_travel import OPEN_MAILS

D = dt.date
FAST = SchedulerConfig(lease_seconds=2, reconcile_seconds=0.2, send_seconds=0.1, stop_timeout=10)


@pytest.fixture
def period(world):
    world.add_period("2026H1", (D(2026, 7, 1), D(2026, 8, 31)), (D(2026, 9, 14), D(2026, 9, 25)))
    return world


async def wait_for(condition, within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def sent_keys(world) -> list[str]:
    return sorted(m.key for m in world.outbox() if m.sent_at)


def test_lifespan_opens_the_window_and_sends_in_the_background(period):
    period.at(local(2026, 7, 1, 9))

    async def main():
        async with make_lifespan(FAST)() as service:
            assert service is not None
            await wait_for(lambda: len(sent_keys(period)) == 7 and service.reconciles >= 1)
            assert service.is_leader
            assert service.window_jobs() == {}, "no date jobs on a standing clock"
            with period.db.session() as s:
                assert lease.current_holder(s) == service.holder
        return service

    service = asyncio.run(main())
    assert sorted(period.eml_files()) == sorted(OPEN_MAILS)
    assert not service.is_leader
    with period.db.session() as s:
        assert lease.current_holder(s) is None, "a clean stop hands the lease over at once"


def test_lifespan_does_nothing_when_disabled(period, monkeypatch):
    monkeypatch.setenv("CBS_MONITOR_SCHEDULER_ENABLED", "0")
    reset_settings()
    period.at(local(2026, 7, 1, 9))

    async def main():
        async with scheduler.lifespan() as service:
            assert service is None  # nothing was started: no task that could act later

    asyncio.run(main())
    assert period.events() == []


def test_restarts_before_and_after_the_window_opens_lose_and_double_nothing(period, monkeypatch):
    async def run(until, config=FAST):
        async with make_lifespan(config)() as service:
            await wait_for(lambda: until(service))
        return service

    # 1. Up the evening before the window opens; reconciles, nothing to do; stopped.
    period.at(local(2026, 6, 30, 23, 0))
    asyncio.run(run(lambda s: s.reconciles >= 2))
    assert period.events() == [] and period.outbox() == []

    # 2. Up the next morning; stopped in the middle of sending the opening mails.
    period.at(local(2026, 7, 1, 9))
    written: list[str] = []
    slow_send = mailer.EmlFolder.send

    def send(self, message, mail):
        time.sleep(0.1)
        slow_send(self, message, mail)
        written.append(mail.key)

    monkeypatch.setattr(mailer.EmlFolder, "send", send)
    asyncio.run(run(lambda s: len(written) >= 2))
    assert period.events() == ["delivery-opened/2026H1"]
    assert len(period.outbox()) == 7
    halfway = sent_keys(period)
    assert 2 <= len(halfway) < 7, "the stop came in the middle of the batch"
    assert all(m.attempts == 0 for m in period.outbox() if not m.sent_at), "nothing left claimed"

    # 3. Up again: the rest goes out; nothing is sent twice.
    monkeypatch.setattr(mailer.EmlFolder, "send", slow_send)
    asyncio.run(run(lambda s: len(sent_keys(period)) == 7))
    assert sorted(period.eml_files()) == sorted(OPEN_MAILS)
    assert sorted(written) == halfway

    # 4. And once more, later that day: no transition, no mail twice.
    period.at(local(2026, 7, 1, 15))
    asyncio.run(run(lambda s: s.reconciles >= 3))
    assert period.events() == ["delivery-opened/2026H1"]
    assert len(period.outbox()) == 7 and all(m.attempts == 1 for m in period.outbox())
    assert len(period.messages("notificatie_verstuurd")) == 7
    assert len(period.messages("aanleverperiode_geopend")) == 342


def test_two_instances_in_one_process_only_the_lease_holder_acts_and_the_other_takes_over(period):
    period.at(local(2026, 7, 1, 9))
    # Not shorter: on a busy machine a renewal may come late, and then the takeover is right.
    config = SchedulerConfig(lease_seconds=2, reconcile_seconds=0.1, send_seconds=0.1)

    async def main():
        first, second = (
            SchedulerService(config, holder="first"),
            SchedulerService(config, holder="second"),
        )
        await first.start()
        await wait_for(lambda: first.is_leader)
        await second.start()
        await wait_for(lambda: len(sent_keys(period)) == 7)
        ticks = first.reconciles  # a few more rounds of both
        await wait_for(lambda: first.reconciles >= ticks + 3)
        assert first.reconciles > 0 and second.reconciles == 0 and not second.is_leader
        assert first.mails_sent == 7 and second.mails_sent == 0
        # The first one dies without a clean stop (no release): the second takes over once
        # the lease has lapsed, and acts on what comes next.
        first._scheduler.shutdown(wait=False)
        first._scheduler = None
        died = time.monotonic()
        await wait_for(lambda: second.is_leader, within=5)
        took = time.monotonic() - died
        period.add_period(
            "2026H2", (D(2026, 6, 29), D(2026, 7, 10)), (D(2026, 7, 20), D(2026, 7, 24))
        )
        await wait_for(lambda: "delivery-opened/2026H2" in period.events())
        await wait_for(lambda: len(sent_keys(period)) == 14)
        await second.stop()
        return took, second

    took, second = asyncio.run(main())
    assert 0.5 < took < 5, took
    assert second.mails_sent == 7
    assert len(period.eml_files()) == 14


def test_a_window_job_opens_the_window_on_the_second(period, monkeypatch):
    """The periodic reconcile is set to once an hour: only the date job can open the window.
    APScheduler runs on real time, the portal on a shifted clock a second before midnight."""
    target = local(2026, 7, 1, 0, 0, 0)
    shift = (target - dt.timedelta(seconds=1.5)) - dt.datetime.now(dt.UTC)
    clock.set_fixed(None)
    monkeypatch.setenv("CBS_MONITOR_CLOCK_SHIFT_DAYS", repr(shift.total_seconds() / 86400))
    reset_settings()
    config = SchedulerConfig(lease_seconds=5, reconcile_seconds=3600, send_seconds=0.1)

    async def main():
        async with make_lifespan(config)() as service:
            await wait_for(lambda: service.window_jobs())
            assert period.events() == []
            jobs = service.window_jobs()
            assert set(jobs) == {
                f"window/2026H1/{name}"
                for name in (
                    "delivery-opens",
                    "reminder",
                    "delivery-closes",
                    "withdrawal-opens",
                    "withdrawal-closes",
                )
            }
            assert jobs["window/2026H1/delivery-opens"] - dt.datetime.now(dt.UTC) < dt.timedelta(
                seconds=3
            )
            await wait_for(lambda: "delivery-opened/2026H1" in period.events(), within=6)
            await wait_for(lambda: len(sent_keys(period)) == 7)
            assert "window/2026H1/delivery-opens" not in service.window_jobs()

    asyncio.run(main())
    [opened] = [
        m for m in period.messages("aanleverperiode_geopend") if m.municipality_code == "0363"
    ]
    assert dt.timedelta(0) <= opened.created_at - target < dt.timedelta(seconds=2)
