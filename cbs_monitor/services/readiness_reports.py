"""The reports behind a delivery: which delivery counts, its reports, and building the op-orde report."""

from __future__ import annotations

from sqlmodel import Session, col, select

from cbs_monitor import clock
from cbs_monitor.models import (
    Delivery,
    DeliveryStatus,
    Municipality,
    Report,
    ReportKind,
    ReportStatus,
)
from cbs_monitor.protocol import TechnicalResult, build_readiness
from cbs_monitor.protocol.figures import ReadinessFigures
from cbs_monitor.protocol.periods import previous_period_code, year_earlier_period_code
from cbs_monitor.services import messages, notifications, service_levels
from cbs_monitor.settings import get_settings


def report_of(db: Session, delivery_id: int, kind: ReportKind) -> Report | None:
    return db.exec(
        select(Report).where(Report.delivery_id == delivery_id, Report.kind == kind)
    ).first()


def current_delivery(db: Session, municipality_code: str, period_code: str) -> Delivery | None:
    """The delivery that counts: the latest approved one (CBS override included)."""
    rows = db.exec(
        select(Delivery)
        .where(Delivery.municipality_code == municipality_code, Delivery.period_code == period_code)
        .order_by(col(Delivery.received_at).desc(), col(Delivery.id).desc())
    ).all()
    for row in rows:
        if row.effective_status == DeliveryStatus.approved:
            return row
    return None


def _figures_of(db: Session, municipality_code: str, period_code: str) -> ReadinessFigures | None:
    """Figures of the delivery that counts for a period, from its stored technical report."""
    delivery = current_delivery(db, municipality_code, period_code)
    if delivery is None:
        return None
    report = report_of(db, delivery.id, ReportKind.technical)
    if report is None:
        return None
    result = TechnicalResult.from_dict(report.content)
    return result.figures_by_period.get(period_code)


def build_readiness_report(
    db: Session,
    delivery: Delivery,
    result: TechnicalResult,
    people: list[notifications.Recipient] | None = None,
) -> Report:
    """The op-orde report: figures of this delivery against the previous half year and a year
    earlier. `people`: the municipality's mail recipients, when the caller has them."""
    settings = get_settings()
    current = result.figures_by_period.get(delivery.period_code) or result.figures
    previous = _figures_of(
        db, delivery.municipality_code, previous_period_code(delivery.period_code) or ""
    )
    year_earlier = _figures_of(
        db, delivery.municipality_code, year_earlier_period_code(delivery.period_code) or ""
    )
    municipality = db.get(Municipality, delivery.municipality_code)
    readiness = build_readiness(
        current,
        previous,
        year_earlier,
        population=municipality.population if municipality else None,
        change_threshold_percent=settings.change_threshold_percent,
    )
    now = clock.now()
    held = settings.readiness_release == "review"
    report = Report(
        delivery_id=delivery.id,
        kind=ReportKind.readiness,
        status=ReportStatus.held if held else ReportStatus.ready,
        due_at=service_levels.readiness_due(now),
        created_at=now,
        released_at=None if held else now,
        content=readiness.to_dict(),
    )
    db.add(report)
    db.flush()
    if held:
        messages.log_message(
            db,
            delivery.municipality_code,
            "op_orde_vastgehouden",
            f"Op orde rapport van {delivery.filename} wordt door CBS beoordeeld voordat het beschikbaar komt.",
            period_code=delivery.period_code,
            delivery_id=delivery.id,
        )
    else:
        release_effects(db, delivery, report, people)
    return report


def release_effects(
    db: Session,
    delivery: Delivery,
    report: Report,
    people: list[notifications.Recipient] | None = None,
) -> None:
    """What follows when an op-orde report becomes available: a Berichtenlog line and the mails."""
    messages.log_message(
        db,
        delivery.municipality_code,
        "op_orde_rapport",
        f"Op orde rapport van {delivery.filename} staat klaar in het tabblad Ophalen.",
        period_code=delivery.period_code,
        delivery_id=delivery.id,
    )
    notifications.readiness_report_ready(db, delivery, report, people)
