"""What every desk use case shares: the reviewer check, the reason rule, report summaries and cells."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator

from sqlmodel import Session

from cbs_monitor import clock
from cbs_monitor.models import DeliveryStatus, Municipality, ReportStatus
from cbs_monitor.services import service_levels
from cbs_monitor.services.errors import NotPermitted, Refused
from cbs_monitor.services.permissions import Action, Actor, require

MAX_REASON = 1000
MIN_REASON = 5
VERDICT_LABELS = {DeliveryStatus.approved: "goedgekeurd", DeliveryStatus.rejected: "afgekeurd"}


class ReviewRefused(Refused):
    """A desk action that may not happen; the message is Dutch and shown to the reviewer."""


def require_reviewer(actor: Actor | None) -> Actor:
    try:
        return require(actor, Action.review)
    except NotPermitted:
        raise NotPermitted("Alleen CBS-beoordelaars hebben toegang tot deze functie.") from None


def clean_reason(reason: str | None) -> str:
    """Every decision carries a reason the municipality reads: required, 5 to 1000 characters."""
    text = " ".join((reason or "").split())
    if not text:
        raise ReviewRefused("Geef een reden op. De gemeente krijgt deze reden te zien.")
    if len(text) < MIN_REASON:
        raise ReviewRefused(f"De reden is te kort: gebruik minstens {MIN_REASON} tekens.")
    if len(text) > MAX_REASON:
        raise ReviewRefused(f"De reden is te lang: gebruik hoogstens {MAX_REASON} tekens.")
    return text


def municipality_or_refuse(db: Session, code: str) -> Municipality:
    municipality = db.get(Municipality, code or "")
    if municipality is None:
        raise ReviewRefused("Onbekende gemeente.")
    return municipality


@dataclasses.dataclass(frozen=True)
class ReportSummary:
    """What the desk needs of a report: no content (that is the heavy JSON)."""

    report_id: int
    status: ReportStatus
    created_at: dt.datetime | None
    released_at: dt.datetime | None
    due_at: dt.datetime
    overdue: bool

    @property
    def shown_at(self) -> dt.datetime | None:
        return self.released_at or self.created_at

    @classmethod
    def of(
        cls,
        report_id: int,
        status: ReportStatus,
        created_at: dt.datetime | None,
        released_at: dt.datetime | None,
        due_at: dt.datetime,
        now: dt.datetime,
    ) -> ReportSummary:
        due = aware(due_at)
        assert due is not None
        return cls(
            report_id=report_id,
            status=status,
            created_at=aware(created_at),
            released_at=aware(released_at),
            due_at=due,
            overdue=service_levels.is_overdue(status, due, now),
        )


@dataclasses.dataclass(frozen=True)
class ReportCell:
    """A report in a desk table: its status and date, or while it is owed, its deadline."""

    report_id: int = 0
    status: str = ""
    date: str = ""
    due: str = ""
    overdue: bool = False


def report_cell(summary: ReportSummary | None) -> ReportCell:
    if summary is None:
        return ReportCell()
    owed = summary.status in service_levels.OPEN_STATUSES
    return ReportCell(
        report_id=summary.report_id,
        status=summary.status.value,
        date="" if owed else clock.format_local(summary.shown_at),
        due=clock.format_local(summary.due_at, with_time=False) if owed else "",
        overdue=summary.overdue,
    )


def aware(stamp: dt.datetime | None) -> dt.datetime | None:
    if stamp is not None and stamp.tzinfo is None:
        return stamp.replace(tzinfo=clock.UTC)
    return stamp


def chunks(values: list[int], size: int = 900) -> Iterator[list[int]]:
    """IN-lists in slices: SQLite limits the number of bound parameters."""
    for start in range(0, len(values), size):
        yield values[start : start + size]
