"""Service levels of the reports in working days: due dates, and what is due or overdue for CBS."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlmodel import Session, select

from cbs_monitor import clock
from cbs_monitor.models import Delivery, Municipality, Report, ReportKind, ReportStatus

TECHNICAL_WORKING_DAYS = 3  # technical report at most 3 working days after delivery
READINESS_WORKING_DAYS = 2  # op-orde report at most 2 working days after technical approval

# A report still owed to the municipality: not produced yet, or held for CBS review.
OPEN_STATUSES = (ReportStatus.pending, ReportStatus.held)

KIND_LABELS = {ReportKind.technical: "Technisch rapport", ReportKind.readiness: "Op orde rapport"}


def technical_due(received_at: dt.datetime) -> dt.datetime:
    """Deadline of the technical report: end of the 3rd working day after receipt (UTC)."""
    return clock.due_moment(received_at, TECHNICAL_WORKING_DAYS)


def readiness_due(approved_at: dt.datetime) -> dt.datetime:
    """Deadline of the op-orde report: end of the 2nd working day after technical approval (UTC)."""
    return clock.due_moment(approved_at, READINESS_WORKING_DAYS)


def is_overdue(status: ReportStatus, due_at: dt.datetime, now: dt.datetime | None = None) -> bool:
    """The one overdue rule: a report still owed (pending, or held for CBS review) past its due moment."""
    return status in OPEN_STATUSES and due_at < (now or clock.now())


@dataclasses.dataclass(frozen=True)
class ReportDeadline:
    """One open report with its deadline, as CBS sees it."""

    report_id: int
    delivery_id: int
    kind: ReportKind
    status: ReportStatus
    municipality_code: str
    municipality_name: str
    period_code: str
    due_at: dt.datetime
    overdue: bool
    # Working days past the due day (0 when not overdue; 1 on the first working day after it).
    working_days_late: int

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


def open_reports(
    db: Session, period_code: str | None = None, now: dt.datetime | None = None
) -> list[ReportDeadline]:
    """Every open report of a current delivery, earliest deadline first.

    Reports of a delivery that a newer file replaced are left out: nobody waits for them."""
    now = now or clock.now()
    today = clock.to_local(now).date()
    query = (
        select(Report, Delivery, Municipality)
        .join(Delivery, Delivery.id == Report.delivery_id)
        .join(Municipality, Municipality.code == Delivery.municipality_code)
        .where(Report.status.in_(OPEN_STATUSES))
        .where(Delivery.replaced_by_id.is_(None))
        .order_by(Report.due_at, Report.id)
    )
    if period_code is not None:
        query = query.where(Delivery.period_code == period_code)
    rows = []
    for report, delivery, municipality in db.exec(query).all():
        overdue = is_overdue(report.status, report.due_at, now)
        late = (
            clock.working_days_between(clock.to_local(report.due_at).date(), today)
            if overdue
            else 0
        )
        rows.append(
            ReportDeadline(
                report_id=report.id,
                delivery_id=delivery.id,
                kind=report.kind,
                status=report.status,
                municipality_code=municipality.code,
                municipality_name=municipality.name,
                period_code=delivery.period_code,
                due_at=report.due_at,
                overdue=overdue,
                working_days_late=late,
            )
        )
    return rows


def overdue_reports(
    db: Session, period_code: str | None = None, now: dt.datetime | None = None
) -> list[ReportDeadline]:
    """Open reports past their deadline (for the CBS page and the daily digest)."""
    return [row for row in open_reports(db, period_code, now) if row.overdue]


def due_soon_reports(
    db: Session, period_code: str | None = None, now: dt.datetime | None = None
) -> list[ReportDeadline]:
    """Open reports not yet overdue that are due today or on the next working day."""
    now = now or clock.now()
    today = clock.to_local(now).date()
    horizon = clock.add_working_days(today, 1)
    return [
        row
        for row in open_reports(db, period_code, now)
        if not row.overdue and clock.to_local(row.due_at).date() <= horizon
    ]
