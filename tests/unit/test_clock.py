"""The clock (real, fixed, shifted) and Dutch working days under the Algemene termijnenwet."""

import datetime as dt

import pytest

from cbs_monitor import clock
from cbs_monitor.settings import reset_settings


def test_three_working_days_after_maundy_thursday_skip_good_friday_and_easter_monday():
    assert clock.add_working_days(dt.date(2026, 4, 2), 3) == dt.date(2026, 4, 9)


@pytest.mark.parametrize(
    "day",
    [
        dt.date(2026, 1, 1),
        dt.date(2026, 4, 3),
        dt.date(2026, 4, 6),
        dt.date(2026, 4, 27),
        dt.date(2026, 5, 5),
        dt.date(2026, 5, 14),
        dt.date(2026, 5, 25),
        dt.date(2026, 12, 25),
        dt.date(2026, 12, 26),
        dt.date(2027, 5, 5),
    ],
)
def test_public_holidays_are_not_working_days(day):
    assert not clock.is_working_day(day)


def test_liberation_day_counts_every_year_not_only_lustrum_years():
    assert dt.date(2027, 5, 5) in clock.public_holidays(2027)  # a Wednesday, not a lustrum year


def test_weekend_and_ordinary_days():
    assert not clock.is_working_day(dt.date(2026, 11, 28))  # Saturday
    assert clock.is_working_day(dt.date(2026, 11, 30))


def test_working_days_between_matches_add():
    start = dt.date(2026, 12, 23)
    end = clock.add_working_days(start, 5)
    assert end == dt.date(2026, 12, 31)  # 24, 28, 29, 30, 31 (25/26 Christmas, 27 Sunday)
    assert clock.working_days_between(start, end) == 5


def test_due_moment_is_end_of_local_day():
    received = dt.datetime(2026, 4, 2, 10, 0, tzinfo=dt.UTC)
    due = clock.due_moment(received, 3)
    local = clock.to_local(due)
    assert (local.date(), local.hour, local.minute) == (dt.date(2026, 4, 9), 23, 59)


def test_fixed_clock_from_settings(monkeypatch):
    monkeypatch.setenv("CBS_MONITOR_CLOCK_FIXED", "2026-03-12T09:00")
    reset_settings()
    try:
        assert clock.today() == dt.date(2026, 3, 12)
        assert clock.local_now().hour == 9
        assert clock.now().tzinfo is not None
    finally:
        reset_settings()


def test_shifted_clock(monkeypatch):
    monkeypatch.setenv("CBS_MONITOR_CLOCK_SHIFT_DAYS", "10")
    reset_settings()
    try:
        delta = clock.now() - dt.datetime.now(dt.UTC)
        assert dt.timedelta(days=9, hours=23) < delta < dt.timedelta(days=10, hours=1)
    finally:
        reset_settings()


def test_set_fixed_overrides_and_resets():
    clock.set_fixed(dt.datetime(2026, 3, 23, 23, 30))
    assert clock.today() == dt.date(2026, 3, 23)
    clock.set_fixed(None)
    assert abs(clock.now() - dt.datetime.now(dt.UTC)) < dt.timedelta(seconds=5)
