"""The scheduler lease: one holder at a time, renewal, takeover when it lapses, release on stop."""

import datetime as dt
import threading

from cbs_monitor.services import lease

T0 = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)


def test_one_holder_renewal_and_takeover(migrated_db):
    with migrated_db.session() as s:
        assert lease.acquire(s, "a", 60, now=T0)
        assert not lease.acquire(s, "b", 60, now=T0 + dt.timedelta(seconds=30))
        assert lease.acquire(s, "a", 60, now=T0 + dt.timedelta(seconds=50))  # renewal extends
        assert not lease.acquire(s, "b", 60, now=T0 + dt.timedelta(seconds=100))
        assert lease.current_holder(s, now=T0 + dt.timedelta(seconds=100)) == "a"
        # a stops renewing: b takes over once the lease has lapsed, and a is out.
        assert lease.acquire(s, "b", 60, now=T0 + dt.timedelta(seconds=111))
        assert not lease.acquire(s, "a", 60, now=T0 + dt.timedelta(seconds=112))
        assert lease.current_holder(s, now=T0 + dt.timedelta(seconds=112)) == "b"


def test_release_hands_over_at_once(migrated_db):
    with migrated_db.session() as s:
        assert lease.acquire(s, "a", 60)
        assert not lease.acquire(s, "b", 60)
        assert not lease.release(s, "b")  # only the holder can release
        assert lease.release(s, "a")
        assert lease.current_holder(s) is None
        assert lease.acquire(s, "b", 60)


def test_lease_runs_on_wall_clock_not_on_a_fixed_business_clock(migrated_db):
    from cbs_monitor import clock

    clock.set_fixed(dt.datetime(2020, 1, 1, 12, tzinfo=dt.UTC))
    with migrated_db.session() as s:
        assert lease.acquire(s, "a", 0.05)
    threading.Event().wait(0.1)
    with migrated_db.session() as s:
        assert lease.acquire(s, "b", 60), "a dead holder must lapse even while the clock is fixed"


def test_simultaneous_attempts_have_exactly_one_winner(migrated_db):
    results: dict[str, bool] = {}
    start = threading.Barrier(8)

    def attempt(name: str) -> None:
        start.wait()
        with migrated_db.session() as s:
            results[name] = lease.acquire(s, name, 60)

    threads = [threading.Thread(target=attempt, args=(f"h{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [name for name, won in results.items() if won]
    assert len(results) == 8 and len(winners) == 1
    with migrated_db.session() as s:
        assert lease.current_holder(s) == winners[0]
