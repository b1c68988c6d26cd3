"""CBS manages the verslagperioden and their windows; the scheduler reads them from the database."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlmodel import Session

from cbs_monitor import clock, dutch
from cbs_monitor.models import ReportingPeriod
from cbs_monitor.services import periods
from cbs_monitor.services.permissions import Actor
from cbs_monitor.services.review.common import ReviewRefused, require_reviewer

PERIOD_FIELDS = {
    "delivery_opens_on": "openingsdatum aanleverperiode",
    "delivery_closes_on": "sluitingsdatum aanleverperiode",
    "withdrawal_opens_on": "openingsdatum intrekperiode",
    "withdrawal_closes_on": "sluitingsdatum intrekperiode",
    "publication_date": "publicatiedatum",
}


def _date(value: dt.date | str | None, label: str, *, required: bool = True) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = (value or "").strip()
    if not text:
        if required:
            raise ReviewRefused(f"Vul de {label} in.")
        return None
    day = dutch.parse_date(text)
    if day is None:
        raise ReviewRefused(f"De {label} is geen geldige datum (dd-mm-jjjj).")
    return day


def save_period(
    db: Session, actor: Actor | None, code: str, *, create: bool, **values: dt.date | str | None
) -> ReportingPeriod:
    """Create a period, or change the windows and publication date of an existing one.

    The scheduler reads the periods from the database, so a changed window takes effect by itself."""
    require_reviewer(actor)
    code = (code or "").strip().upper()
    try:
        periods.period_bounds(code)
    except periods.PeriodError as bad:
        raise ReviewRefused(str(bad)) from None
    existing = db.get(ReportingPeriod, code)
    if create and existing is not None:
        raise ReviewRefused(
            f"Verslagperiode {code} bestaat al. Kies de periode om hem te wijzigen."
        )
    if not create and existing is None:
        raise ReviewRefused(f"Verslagperiode {code} bestaat niet.")
    unknown = set(values) - set(PERIOD_FIELDS)
    if unknown:
        raise ValueError(f"unknown period fields: {sorted(unknown)}")
    dates = {
        name: _date(values.get(name), label, required=name != "publication_date")
        for name, label in PERIOD_FIELDS.items()
    }
    try:
        return periods.save_period(db, code, **dates)
    except periods.PeriodError as bad:
        raise ReviewRefused(str(bad)) from None


def create_period(
    db: Session, actor: Actor | None, code: str, **values: dt.date | str | None
) -> ReportingPeriod:
    return save_period(db, actor, code, create=True, **values)


def update_period(
    db: Session, actor: Actor | None, code: str, **values: dt.date | str | None
) -> ReportingPeriod:
    return save_period(db, actor, code, create=False, **values)


def period_list(db: Session, actor: Actor | None) -> list[ReportingPeriod]:
    require_reviewer(actor)
    return periods.all_periods(db)


def default_period(db: Session) -> str | None:
    """The period the desk opens on: the one whose delivery window is open, else the latest closed."""
    open_now = periods.open_delivery_periods(db)
    if open_now:
        return open_now[0].code
    closed = periods.last_closed_delivery_period(db)
    if closed is not None:
        return closed.code
    every = periods.all_periods(db)
    return every[0].code if every else None


def default_withdrawal_period(db: Session) -> str | None:
    """The period a form withdrawal is most likely about: the open withdrawal window, else the desk's."""
    open_now = periods.open_withdrawal_periods(db)
    return open_now[0].code if open_now else default_period(db)


# --- the Verslagperioden tab of /cbs ----------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PeriodRow:
    code: str
    delivery: str
    withdrawal: str
    publication: str
    state: str  # "aanleverperiode open", "intrekperiode open" or ""


@dataclasses.dataclass(frozen=True)
class PeriodForm:
    """The period being edited ("" code for a new one); dates as the date fields hold them."""

    editing: str = ""
    code: str = ""
    delivery_opens_on: str = ""
    delivery_closes_on: str = ""
    withdrawal_opens_on: str = ""
    withdrawal_closes_on: str = ""
    publication_date: str = ""

    def values(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in PERIOD_FIELDS}


def period_rows(db: Session, actor: Actor) -> tuple[PeriodRow, ...]:
    today = clock.today()
    return tuple(
        PeriodRow(
            code=p.code,
            delivery=dutch.date_range(p.delivery_opens_on, p.delivery_closes_on),
            withdrawal=dutch.date_range(p.withdrawal_opens_on, p.withdrawal_closes_on),
            publication=dutch.date(p.publication_date) or dutch.MISSING,
            state=(
                "aanleverperiode open"
                if periods.delivery_open(p, today)
                else "intrekperiode open"
                if periods.withdrawal_open(p, today)
                else ""
            ),
        )
        for p in period_list(db, actor)
    )


def period_form(db: Session, actor: Actor, code: str) -> PeriodForm:
    """The form filled with an existing period's windows."""
    require_reviewer(actor)
    period = db.get(ReportingPeriod, code)
    if period is None:
        raise ReviewRefused("Onbekende verslagperiode.")
    return PeriodForm(
        editing=period.code,
        code=period.code,
        delivery_opens_on=dutch.date(period.delivery_opens_on),
        delivery_closes_on=dutch.date(period.delivery_closes_on),
        withdrawal_opens_on=dutch.date(period.withdrawal_opens_on),
        withdrawal_closes_on=dutch.date(period.withdrawal_closes_on),
        publication_date=dutch.date(period.publication_date),
    )


@dataclasses.dataclass(frozen=True)
class PeriodsView:
    rows: tuple[PeriodRow, ...]
    form: PeriodForm


def periods_view(db: Session, actor: Actor, editing: str = "") -> PeriodsView:
    """The list of periods and the form: empty for a new period, or filled with `editing`."""
    form = period_form(db, actor, editing) if editing else PeriodForm()
    return PeriodsView(period_rows(db, actor), form)


def save_period_form(db: Session, actor: Actor, form: PeriodForm) -> PeriodsView:
    """Create the period of a new form, or change the one being edited; the list and the saved form."""
    if form.editing:
        period = update_period(db, actor, form.editing, **form.values())
    else:
        period = create_period(db, actor, form.code, **form.values())
    return periods_view(db, actor, editing=period.code)
