"""Reporting periods (verslagperioden) and their windows: which are open on a day."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from cbs_monitor import clock, dutch
from cbs_monitor.models import ReportingPeriod
from cbs_monitor.protocol.periods import parse_period
from cbs_monitor.services.errors import Refused


class PeriodError(Refused):
    """A period or window that does not make sense; the message is Dutch and shown to CBS."""


def period_bounds(code: str) -> tuple[dt.date, dt.date]:
    """First and last day of a half-year period code such as 2026H1 (the protocol's Period)."""
    period = parse_period(code or "")
    if period is None or period.code != (code or "").strip():
        raise PeriodError(f"'{code}' is geen geldige verslagperiode (verwacht JJJJH1 of JJJJH2).")
    return period.start, period.end


def delivery_open(period: ReportingPeriod, day: dt.date | None = None) -> bool:
    day = day or clock.today()
    return period.delivery_opens_on <= day <= period.delivery_closes_on


def withdrawal_open(period: ReportingPeriod, day: dt.date | None = None) -> bool:
    day = day or clock.today()
    return period.withdrawal_opens_on <= day <= period.withdrawal_closes_on


def all_periods(db: Session) -> list[ReportingPeriod]:
    return list(db.exec(select(ReportingPeriod).order_by(ReportingPeriod.code.desc())).all())


def open_delivery_periods(db: Session, day: dt.date | None = None) -> list[ReportingPeriod]:
    return [p for p in all_periods(db) if delivery_open(p, day)]


def open_withdrawal_periods(db: Session, day: dt.date | None = None) -> list[ReportingPeriod]:
    return [p for p in all_periods(db) if withdrawal_open(p, day)]


def next_delivery_period(db: Session, day: dt.date | None = None) -> ReportingPeriod | None:
    """The period whose delivery window opens soonest after the day (for 'opens on ...')."""
    day = day or clock.today()
    upcoming = [p for p in all_periods(db) if p.delivery_opens_on > day]
    return min(upcoming, key=lambda p: p.delivery_opens_on, default=None)


def last_closed_delivery_period(db: Session, day: dt.date | None = None) -> ReportingPeriod | None:
    day = day or clock.today()
    closed = [p for p in all_periods(db) if p.delivery_closes_on < day]
    return max(closed, key=lambda p: p.delivery_closes_on, default=None)


def validate_windows(period: ReportingPeriod) -> None:
    """Raise PeriodError (Dutch) when a window is inconsistent."""
    start, end = period_bounds(period.code)
    if (period.start_date, period.end_date) != (start, end):
        raise PeriodError("Begin- en einddatum passen niet bij de verslagperiode.")
    if period.delivery_closes_on < period.delivery_opens_on:
        raise PeriodError("De aanleverperiode sluit voordat hij opent.")
    if period.withdrawal_closes_on < period.withdrawal_opens_on:
        raise PeriodError("De intrekperiode sluit voordat hij opent.")
    if period.delivery_opens_on <= period.end_date - dt.timedelta(days=366):
        raise PeriodError("De aanleverperiode begint te vroeg voor deze verslagperiode.")


def format_window(opens: dt.date, closes: dt.date) -> str:
    return dutch.date_range(opens, closes)


# --- editing periods (CBS) and the reminder day --------------------------------------------


def save_period(
    db: Session,
    code: str,
    *,
    delivery_opens_on: dt.date,
    delivery_closes_on: dt.date,
    withdrawal_opens_on: dt.date,
    withdrawal_closes_on: dt.date,
    publication_date: dt.date | None = None,
) -> ReportingPeriod:
    """Create or update a period and its windows; raise PeriodError (Dutch) when they do not fit.

    The scheduler picks the change up by itself (it compares the periods on every reconcile)."""
    start, end = period_bounds(code)
    for label, value in (
        ("openingsdatum aanleverperiode", delivery_opens_on),
        ("sluitingsdatum aanleverperiode", delivery_closes_on),
        ("openingsdatum intrekperiode", withdrawal_opens_on),
        ("sluitingsdatum intrekperiode", withdrawal_closes_on),
    ):
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise PeriodError(f"Vul een geldige {label} in.")
    candidate = ReportingPeriod(
        code=code,
        start_date=start,
        end_date=end,
        delivery_opens_on=delivery_opens_on,
        delivery_closes_on=delivery_closes_on,
        withdrawal_opens_on=withdrawal_opens_on,
        withdrawal_closes_on=withdrawal_closes_on,
        publication_date=publication_date,
    )
    validate_windows(candidate)
    # Withdrawing is about the figures of a finished delivery, so it follows the delivery window.
    if withdrawal_opens_on <= delivery_closes_on:
        raise PeriodError("De intrekperiode moet beginnen na het sluiten van de aanleverperiode.")
    if publication_date is not None and publication_date <= withdrawal_closes_on:
        raise PeriodError("De publicatiedatum moet na het sluiten van de intrekperiode liggen.")
    period = db.get(ReportingPeriod, code)
    if period is None:
        period = candidate
        db.add(period)
    else:
        for name in (
            "delivery_opens_on",
            "delivery_closes_on",
            "withdrawal_opens_on",
            "withdrawal_closes_on",
            "publication_date",
        ):
            setattr(period, name, getattr(candidate, name))
        period.start_date, period.end_date = start, end
    period.updated_at = clock.now()
    db.flush()
    return period


def working_days_before(day: dt.date, count: int) -> dt.date:
    """The working day `count` working days before `day` (day itself does not count)."""
    added = 0
    while added < count:
        day -= dt.timedelta(days=1)
        if clock.is_working_day(day):
            added += 1
    return day


def reminder_date(period: ReportingPeriod, working_days: int | None = None) -> dt.date:
    """The day the 'window closes soon' reminder goes out (never before the window opens)."""
    if working_days is None:
        from cbs_monitor.settings import get_settings

        working_days = get_settings().reminder_working_days
    day = working_days_before(period.delivery_closes_on, working_days)
    return max(day, period.delivery_opens_on)
