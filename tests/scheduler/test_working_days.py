"""Working days (clock.py) across the Dutch public holidays, and the service-level due dates."""

import datetime as dt

import pytest

from cbs_monitor import clock
from cbs_monitor.services import periods, service_levels
from tests.scheduler.conftest import local

D = dt.date


@pytest.mark.parametrize(
    "start, count, expected, why",
    [
        # Easter 2026: Good Friday 3 April, Easter Monday 6 April.
        (
            D(2026, 4, 2),
            1,
            D(2026, 4, 7),
            "Maundy Thursday + 1 skips Good Friday, weekend, Easter Monday",
        ),
        (D(2026, 4, 1), 3, D(2026, 4, 8), "Wed + 3: Thu, Tue, Wed"),
        # King's Day Monday 27 April 2026.
        (D(2026, 4, 24), 1, D(2026, 4, 28), "Friday before King's Day"),
        # King's Day 2025 is Saturday 26 April (27 April is a Sunday): Friday 25 is a working day.
        (D(2025, 4, 24), 1, D(2025, 4, 25), "King's Day 2025 on a Saturday takes no working day"),
        # Liberation Day Tuesday 5 May 2026 (not a lustrum year) and 2027 (Wednesday).
        (D(2026, 5, 4), 1, D(2026, 5, 6), "Liberation Day 2026"),
        (D(2027, 5, 4), 1, D(2027, 5, 7), "Liberation Day 2027 Wed and Ascension 2027 Thu 6 May"),
        # Ascension Thursday 14 May 2026.
        (D(2026, 5, 13), 2, D(2026, 5, 18), "Ascension Thursday, then Friday, then Monday"),
        # Whit Monday 25 May 2026.
        (D(2026, 5, 22), 1, D(2026, 5, 26), "Whit Monday"),
        # Christmas Friday 25 / Saturday 26 December 2026, New Year Friday 1 January 2027.
        (D(2026, 12, 24), 1, D(2026, 12, 28), "Christmas Eve is a working day, Christmas is not"),
        (D(2026, 12, 24), 3, D(2026, 12, 30), "Mon 28, Tue 29, Wed 30"),
        (D(2026, 12, 30), 2, D(2027, 1, 4), "Dec 31 then over New Year and the weekend"),
        # Christmas 2027 on Saturday and Sunday: Monday 27 December is a working day.
        (D(2027, 12, 24), 1, D(2027, 12, 27), "Christmas 2027 in the weekend"),
        # Ordinary weeks.
        (D(2026, 3, 13), 1, D(2026, 3, 16), "Friday + 1 is Monday"),
        (D(2026, 3, 14), 1, D(2026, 3, 16), "Saturday + 1 is Monday"),
        (D(2026, 3, 10), 0, D(2026, 3, 10), "zero days"),
    ],
)
def test_add_working_days(start, count, expected, why):
    assert clock.add_working_days(start, count) == expected, why


@pytest.mark.parametrize(
    "day",
    [
        D(2026, 1, 1),
        D(2026, 4, 3),
        D(2026, 4, 6),
        D(2026, 4, 27),
        D(2026, 5, 5),
        D(2026, 5, 14),
        D(2026, 5, 25),
        D(2026, 12, 25),
        D(2025, 5, 5),
        D(2027, 5, 5),
        D(2027, 3, 26),
        D(2027, 5, 17),
    ],
)
def test_holidays_are_not_working_days(day):
    assert day.weekday() < 5
    assert not clock.is_working_day(day)


@pytest.mark.parametrize(
    "day", [D(2026, 12, 24), D(2026, 12, 31), D(2026, 4, 2), D(2026, 5, 15), D(2026, 4, 28)]
)
def test_days_around_holidays_are_working_days(day):
    assert clock.is_working_day(day)


def test_working_days_in_a_year():
    """2026: 261 weekdays minus New Year, Good Friday, Easter Monday, King's Day, Liberation Day,
    Ascension, Whit Monday and Christmas (Boxing Day is a Saturday) = 253."""
    assert clock.working_days_between(D(2025, 12, 31), D(2026, 12, 31)) == 253


def test_working_days_between_inverts_add():
    start = D(2026, 3, 30)
    for count in range(60):
        assert clock.working_days_between(start, clock.add_working_days(start, count)) == count


def test_working_days_before_is_the_mirror_of_after():
    assert periods.working_days_before(D(2026, 4, 7), 1) == D(2026, 4, 2)  # back over Easter
    assert periods.working_days_before(D(2026, 12, 28), 1) == D(2026, 12, 24)
    for start in (D(2026, 4, 2), D(2026, 5, 4), D(2026, 12, 23)):
        for n in range(1, 8):
            later = clock.add_working_days(start, n)
            assert periods.working_days_before(later, n) == start


def test_technical_due_is_end_of_third_working_day_local():
    # Delivered Thursday 2 April 2026 14:00: Fri (Good Friday), Mon (Easter Monday) do not count.
    due = service_levels.technical_due(local(2026, 4, 2, 14))
    assert clock.to_local(due) == local(2026, 4, 9, 23, 59, 59)
    assert due.tzinfo is not None


def test_technical_due_counts_the_local_date_not_utc():
    # 23:30 Dutch summer time on Friday 24 April is 21:30 UTC the same day; 00:30 Saturday local
    # is Friday 22:30 UTC, yet it counts as received on Saturday.
    assert clock.to_local(service_levels.technical_due(local(2026, 4, 24, 23, 30))).date() == D(
        2026, 4, 30
    )
    assert clock.to_local(service_levels.technical_due(local(2026, 4, 25, 0, 30))).date() == D(
        2026, 4, 30
    )


def test_readiness_due_over_kings_day_and_liberation_day():
    # Approved Friday 1 May 2026: Mon 4 counts, Tue 5 (Liberation Day) does not, Wed 6 counts.
    due = service_levels.readiness_due(local(2026, 5, 1, 10))
    assert clock.to_local(due).date() == D(2026, 5, 6)
    due = service_levels.readiness_due(local(2026, 4, 24, 10))  # Fri; Mon 27 is King's Day
    assert clock.to_local(due).date() == D(2026, 4, 29)


def test_due_across_dst_change_is_still_end_of_local_day():
    # Summer time ends Sunday 25 October 2026.
    due = service_levels.technical_due(local(2026, 10, 23, 12))
    assert clock.to_local(due) == local(2026, 10, 28, 23, 59, 59)
    assert due.utcoffset() == dt.timedelta(0)
