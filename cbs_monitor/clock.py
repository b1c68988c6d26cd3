"""The one source of "now" (real, fixed or shifted) and Dutch working-day arithmetic."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import holidays
from dateutil.easter import easter

from cbs_monitor.settings import get_settings

UTC = dt.UTC
_override: dt.datetime | None = None


def local_zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def set_fixed(moment: dt.datetime | None) -> None:
    """Pin the clock (tests); None returns to the configured clock."""
    global _override
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=local_zone())
    _override = moment


def now() -> dt.datetime:
    """The current moment, timezone-aware in UTC."""
    if _override is not None:
        return _override.astimezone(UTC)
    settings = get_settings()
    if settings.clock_fixed:
        fixed = dt.datetime.fromisoformat(settings.clock_fixed)
        if fixed.tzinfo is None:
            fixed = fixed.replace(tzinfo=local_zone())
        return fixed.astimezone(UTC)
    real = dt.datetime.now(UTC)
    return real + dt.timedelta(days=settings.clock_shift_days)


def local_now() -> dt.datetime:
    return now().astimezone(local_zone())


def today() -> dt.date:
    """Today's date in the Netherlands: windows are counted in local dates."""
    return local_now().date()


def to_local(stamp: dt.datetime) -> dt.datetime:
    """A timestamp (aware; a naive one is taken as UTC) in Dutch local time."""
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.astimezone(local_zone())


def format_local(stamp: dt.datetime | None, with_time: bool = True) -> str:
    if stamp is None:
        return ""
    local = to_local(stamp)
    return local.strftime("%d-%m-%Y %H:%M" if with_time else "%d-%m-%Y")


# --- working days -------------------------------------------------------------------------
# The Algemene termijnenwet counts Saturday, Sunday and the general public holidays:
# New Year, Good Friday, Easter Monday, King's Day, Liberation Day (every year),
# Ascension Day, Whit Monday, Christmas and Boxing Day. The `holidays` package lists
# Liberation Day only in lustrum years, and Good Friday not in every version: both are added.


@functools.lru_cache(maxsize=64)
def public_holidays(year: int) -> frozenset[dt.date]:
    days = set(holidays.Netherlands(years=year).keys())
    days.add(dt.date(year, 5, 5))  # Liberation Day, every year for the termijnenwet
    days.add(easter(year) - dt.timedelta(days=2))  # Good Friday
    return frozenset(days)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year)


def add_working_days(start: dt.date, count: int) -> dt.date:
    """The date `count` working days after `start` (start itself does not count)."""
    day = start
    added = 0
    while added < count:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            added += 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def due_moment(received: dt.datetime, working_days: int) -> dt.datetime:
    """Service-level deadline: end of the local day `working_days` working days after receipt (UTC)."""
    local_day = to_local(received).date()
    due_day = add_working_days(local_day, working_days)
    end_local = dt.datetime.combine(due_day, dt.time(23, 59, 59), tzinfo=local_zone())
    return end_local.astimezone(UTC)


@contextlib.contextmanager
def frozen_at(moment: dt.datetime) -> Iterator[None]:
    """Run a block as if it were `moment` (demo history, tests); restores the previous clock."""
    global _override
    previous = _override
    set_fixed(moment)
    try:
        yield
    finally:
        _override = previous
