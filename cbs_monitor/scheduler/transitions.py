"""Reconcile: carry out every window transition, reminder, digest and retention that is due.

Idempotent and safe to run any number of times, by any number of processes: each transition is
a PeriodEvent with a unique key, inserted in the same transaction as its messages and mails,
so a transition happens once or (on a crash, or when a rival got there first) not at all.

Rules, for a server that was down:
- a window is opened late only while it is still open: "U kunt starten met aanleveren" after
  the window has closed would be wrong; a window that opened and closed entirely while the
  portal was down is not announced at all;
- a window is closed only if it was opened, so periods that were already history when the
  portal first saw them stay silent;
- the closing key carries the closing date: when CBS extends a closed window, it opens
  again for deliveries (handlers check the dates) and closes, and is logged, again.

Berichtenlog: window opened/closed is logged for all municipalities that exist on that day
(342 in 2025), not only those with users: the log is the municipality's record, a user who
is registered later sees when the windows ran, and it costs one insert each (keyed, once).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable

from sqlalchemy import or_
from sqlmodel import Session, select

from cbs_monitor import clock
from cbs_monitor import db as database
from cbs_monitor.models import Message, Municipality, PeriodEvent, ReportingPeriod
from cbs_monitor.services import notifications, periods, retention

log = logging.getLogger("cbs_monitor.scheduler")

# The daily service-level digest goes out at the first reconcile after this local hour.
DIGEST_HOUR = 7


@dataclasses.dataclass(frozen=True)
class Step:
    key: str  # the PeriodEvent key
    period_code: str
    due: bool
    action: Callable[[Session], object]


def _municipality_codes(db: Session, day: dt.date) -> list[str]:
    return list(
        db.exec(
            select(Municipality.code)
            .where(Municipality.valid_from <= day)
            .where(or_(Municipality.valid_to.is_(None), Municipality.valid_to >= day))
            .order_by(Municipality.code)
        ).all()
    )


def log_window(
    db: Session, period: ReportingPeriod, kind: str, key_prefix: str, text: str, now: dt.datetime
) -> int:
    """One Berichtenlog line per municipality, keyed `<key_prefix>/<gemeentecode>`."""
    keys = {
        code: f"{key_prefix}/{code}" for code in _municipality_codes(db, clock.to_local(now).date())
    }
    # Exact keys, not LIKE: SQLite's LIKE ignores the unique index on Message.key.
    existing = set(db.exec(select(Message.key).where(Message.key.in_(list(keys.values())))).all())
    rows = [
        Message(
            municipality_code=code,
            period_code=period.code,
            kind=kind,
            text=text,
            key=key,
            created_at=now,
        )
        for code, key in keys.items()
        if key not in existing
    ]
    db.add_all(rows)
    db.flush()
    return len(rows)


def _window(opens: dt.date, closes: dt.date) -> str:
    return periods.format_window(opens, closes)


def period_steps(
    period: ReportingPeriod, today: dt.date, done: set[str], now: dt.datetime
) -> list[Step]:
    code = period.code
    opened_key = f"delivery-opened/{code}"
    w_opened_key = f"withdrawal-opened/{code}"

    def delivery_opened(db: Session) -> object:
        log_window(
            db,
            period,
            "aanleverperiode_geopend",
            f"aanleverperiode-geopend/{code}",
            f"De aanleverperiode voor {code} is geopend: "
            f"{_window(period.delivery_opens_on, period.delivery_closes_on)}. "
            "U kunt starten met aanleveren.",
            now,
        )
        return notifications.delivery_window_opened(db, period)

    def delivery_closed(db: Session) -> object:
        return log_window(
            db,
            period,
            "aanleverperiode_gesloten",
            f"aanleverperiode-gesloten/{code}/{period.delivery_closes_on.isoformat()}",
            f"De aanleverperiode voor {code} is gesloten "
            f"(laatste dag: {period.delivery_closes_on:%d-%m-%Y}).",
            now,
        )

    def withdrawal_opened(db: Session) -> object:
        log_window(
            db,
            period,
            "intrekperiode_geopend",
            f"intrekperiode-geopend/{code}",
            f"De intrekperiode voor {code} is geopend: "
            f"{_window(period.withdrawal_opens_on, period.withdrawal_closes_on)}.",
            now,
        )
        return notifications.withdrawal_window_opened(db, period)

    def withdrawal_closed(db: Session) -> object:
        return log_window(
            db,
            period,
            "intrekperiode_gesloten",
            f"intrekperiode-gesloten/{code}/{period.withdrawal_closes_on.isoformat()}",
            f"De intrekperiode voor {code} is gesloten "
            f"(laatste dag: {period.withdrawal_closes_on:%d-%m-%Y}).",
            now,
        )

    return [
        Step(opened_key, code, periods.delivery_open(period, today), delivery_opened),
        Step(
            f"delivery-closed/{code}/{period.delivery_closes_on.isoformat()}",
            code,
            today > period.delivery_closes_on and opened_key in done,
            delivery_closed,
        ),
        Step(w_opened_key, code, periods.withdrawal_open(period, today), withdrawal_opened),
        Step(
            f"withdrawal-closed/{code}/{period.withdrawal_closes_on.isoformat()}",
            code,
            today > period.withdrawal_closes_on and w_opened_key in done,
            withdrawal_closed,
        ),
    ]


def _run_step(step: Step) -> bool:
    """The transition and its effects in one transaction; False when already done."""
    with database.session() as db:
        if not notifications.claim_event(db, step.key, step.period_code):
            return False
        step.action(db)
    return True


def reconcile(now: dt.datetime | None = None) -> list[str]:
    """Do whatever is due at `now` (default: the clock); returns what was done, for the log."""
    now = now or clock.now()
    today = clock.to_local(now).date()
    done_now: list[str] = []
    with database.session() as db:
        all_periods = sorted(periods.all_periods(db), key=lambda p: (p.delivery_opens_on, p.code))
        done = set(db.exec(select(PeriodEvent.key)).all())
    for period in all_periods:
        for step in period_steps(period, today, done, now):
            if step.key in done or not step.due:
                continue
            try:
                if _run_step(step):
                    done_now.append(step.key)
                done.add(step.key)
            except Exception:
                log.exception("transition %s failed; retried on the next reconcile", step.key)
    if _guarded(done_now, None, lambda db: notifications.reminders_due(db, today)):
        with database.session() as db:
            done_now += [
                key
                for key in db.exec(
                    select(PeriodEvent.key).where(PeriodEvent.key.like("reminder/%"))
                ).all()
                if key not in done
            ]
    if clock.to_local(now).hour >= DIGEST_HOUR:
        _guarded(done_now, "cbs-digest", lambda db: notifications.cbs_digest(db, today, now))
    _guarded(
        done_now,
        "retention",
        lambda db: retention.apply_retention(db, today, now=now).records_cleared,
    )
    _guarded(done_now, "stray-files", retention.sweep_stray_files)
    return done_now


def _guarded(done_now: list[str], name: str | None, work: Callable[[Session], int]) -> int:
    """Run one part in a transaction of its own; a failure is logged and retried next time."""
    try:
        with database.session() as db:
            count = work(db)
    except Exception:
        log.exception("%s failed; retried on the next reconcile", name or work)
        return 0
    if count and name:
        done_now.append(f"{name}:{count}")
    return count


def transition_moments(all_periods: list[ReportingPeriod]) -> dict[str, dt.datetime]:
    """Job id -> the local midnight (as UTC) at which a window opens, closes or reminds."""
    zone = clock.local_zone()
    moments: dict[str, dt.datetime] = {}
    for p in all_periods:
        for name, day in (
            ("delivery-opens", p.delivery_opens_on),
            ("reminder", periods.reminder_date(p)),
            ("delivery-closes", p.delivery_closes_on + dt.timedelta(days=1)),
            ("withdrawal-opens", p.withdrawal_opens_on),
            ("withdrawal-closes", p.withdrawal_closes_on + dt.timedelta(days=1)),
        ):
            moments[f"window/{p.code}/{name}"] = dt.datetime.combine(
                day, dt.time.min, tzinfo=zone
            ).astimezone(clock.UTC)
    return moments
