"""Receiving a delivery (aanlevering): check, store privately, validate, record both reports."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging

from sqlmodel import Session, select

from cbs_monitor import clock
from cbs_monitor.models import (
    Delivery,
    DeliveryStatus,
    Municipality,
    Organisation,
    Report,
    ReportKind,
    ReportStatus,
)
from cbs_monitor.protocol import TechnicalResult, ValidationContext, build_readiness
from cbs_monitor.protocol.figures import ReadinessFigures
from cbs_monitor.services import messages, notifications, periods, service_levels, storage
from cbs_monitor.services.permissions import Action, Actor, can
from cbs_monitor.settings import get_settings

log = logging.getLogger(__name__)


class DeliveryRefused(Exception):
    """The upload may not be received at all (no permission, no open window); Dutch message."""


@dataclasses.dataclass
class Outcome:
    """What the Aanleveren tab shows after sending: the verdict and where it was recorded."""

    result: TechnicalResult
    delivery_id: int | None  # None when the file was refused and not stored


def prepare(
    db: Session, actor: Actor | None, municipality_code: str, size: int
) -> ValidationContext:
    """Gate an upload before reading it: permission, window and size. Raises DeliveryRefused."""
    settings = get_settings()
    if not can(actor, Action.deliver, municipality_code):
        raise DeliveryRefused("U mag geen bestanden aanleveren voor deze gemeente.")
    open_periods = periods.open_delivery_periods(db)
    if not open_periods:
        raise DeliveryRefused(
            "De aanleverperiode is gesloten. U kunt nu geen bestanden aanleveren."
        )
    if size > settings.max_upload_bytes:
        raise DeliveryRefused("Het bestand is groter dan 2,5 MB en is niet verstuurd.")
    known = frozenset(db.exec(select(Municipality.code)).all())
    return ValidationContext(
        upload_date=clock.today(),
        known_municipality_codes=known,
        allowed_municipality_codes=frozenset({municipality_code}),
        open_period_codes=frozenset(p.code for p in open_periods),
        error_threshold_percent=settings.error_threshold_percent,
    )


def record(
    db: Session,
    actor: Actor,
    municipality_code: str,
    filename: str,
    data: bytes,
    result: TechnicalResult,
) -> Outcome:
    """Store the outcome of a validated upload: delivery, technical report, messages, notifications,
    and after approval the op-orde report. A refused upload is only logged, never stored."""
    received_at = clock.now()
    stored = (
        not result.refused
        and result.municipality_code == municipality_code
        and result.period_code is not None
        and db.get(periods.ReportingPeriod, result.period_code) is not None
    )
    if not stored:
        messages.log_message(
            db,
            municipality_code,
            "bestand_geweigerd",
            f"Bestand {result.filename} geweigerd: "
            + (
                result.errors[0].describe()
                if result.errors
                else "het bestand voldoet niet aan het aanleverprotocol."
            ),
            user_id=actor.user_id,
        )
        return Outcome(result=result, delivery_id=None)

    approved = result.approved
    delivery = Delivery(
        municipality_code=municipality_code,
        period_code=result.period_code,
        organisation_id=actor.organisation_id,
        user_id=actor.user_id,
        filename=result.filename,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_key=storage.put(data),
        received_at=received_at,
        status=DeliveryStatus.approved if approved else DeliveryStatus.rejected,
        records_read=result.records_read,
        records_valid=result.records_valid,
        records_with_errors=result.records_with_errors,
        records_out_of_period=result.records_out_of_period,
    )
    db.add(delivery)
    db.flush()
    if approved:
        _mark_replaced(db, delivery)
    technical = Report(
        delivery_id=delivery.id,
        kind=ReportKind.technical,
        status=ReportStatus.approved if approved else ReportStatus.rejected,
        due_at=service_levels.technical_due(received_at),
        created_at=clock.now(),
        released_at=clock.now(),
        content=result.to_dict(),
    )
    db.add(technical)
    db.flush()
    messages.log_message(
        db,
        municipality_code,
        "bestand_ontvangen",
        f"Bestand {delivery.filename} ontvangen ({delivery.size:,} bytes) voor periode {delivery.period_code}.".replace(
            ",", "."
        ),
        period_code=delivery.period_code,
        user_id=actor.user_id,
        delivery_id=delivery.id,
    )
    messages.log_message(
        db,
        municipality_code,
        "technisch_rapport",
        f"Technisch rapport van {delivery.filename}: {result.status} "
        f"({result.records_read} records gelezen, {result.records_with_errors} met fouten).",
        period_code=delivery.period_code,
        user_id=actor.user_id,
        delivery_id=delivery.id,
    )
    notifications.technical_report_ready(db, delivery, technical)
    if approved:
        build_readiness_report(db, delivery, result)
    return Outcome(result=result, delivery_id=delivery.id)


def _mark_replaced(db: Session, new: Delivery) -> None:
    """The latest approved delivery counts; earlier ones stay in the history, marked as replaced."""
    earlier = db.exec(
        select(Delivery).where(
            Delivery.municipality_code == new.municipality_code,
            Delivery.period_code == new.period_code,
            Delivery.id != new.id,
            Delivery.replaced_by_id.is_(None),  # type: ignore[union-attr]
        )
    ).all()
    for old in earlier:
        old.replaced_by_id = new.id
        db.add(old)


def current_delivery(db: Session, municipality_code: str, period_code: str) -> Delivery | None:
    """The delivery that counts: the latest approved one (CBS override included)."""
    rows = db.exec(
        select(Delivery)
        .where(Delivery.municipality_code == municipality_code, Delivery.period_code == period_code)
        .order_by(Delivery.received_at.desc(), Delivery.id.desc())
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


def build_readiness_report(db: Session, delivery: Delivery, result: TechnicalResult) -> Report:
    """The op-orde report: figures of this delivery against the previous half year and a year earlier."""
    settings = get_settings()
    current = result.figures_by_period.get(delivery.period_code) or result.figures
    previous = _figures_of(
        db, delivery.municipality_code, periods.previous_code(delivery.period_code)
    )
    year_earlier = _figures_of(
        db, delivery.municipality_code, periods.year_earlier_code(delivery.period_code)
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
        release_effects(db, delivery, report)
    return report


def release_effects(db: Session, delivery: Delivery, report: Report) -> None:
    """What follows when an op-orde report becomes available: a Berichtenlog line and the mails."""
    messages.log_message(
        db,
        delivery.municipality_code,
        "op_orde_rapport",
        f"Op orde rapport van {delivery.filename} staat klaar in het tabblad Ophalen.",
        period_code=delivery.period_code,
        delivery_id=delivery.id,
    )
    notifications.readiness_report_ready(db, delivery, report)


def report_of(db: Session, delivery_id: int, kind: ReportKind) -> Report | None:
    return db.exec(
        select(Report).where(Report.delivery_id == delivery_id, Report.kind == kind)
    ).first()


@dataclasses.dataclass
class DeliveryRow:
    """One delivery as the Ophalen tab lists it."""

    delivery_id: int
    filename: str
    period_code: str
    received_at: dt.datetime
    delivered_by: str
    replaced: bool
    technical: Report | None
    readiness: Report | None


def list_for_municipality(
    db: Session, municipality_code: str, limit: int = 50
) -> list[DeliveryRow]:
    rows = db.exec(
        select(Delivery)
        .where(Delivery.municipality_code == municipality_code)
        .order_by(Delivery.received_at.desc(), Delivery.id.desc())
        .limit(limit)
    ).all()
    if not rows:
        return []
    ids = [r.id for r in rows]
    reports = db.exec(select(Report).where(Report.delivery_id.in_(ids))).all()  # type: ignore[union-attr]
    by_key = {(r.delivery_id, r.kind): r for r in reports}
    org_ids = {r.organisation_id for r in rows}
    orgs = {o.id: o.name for o in db.exec(select(Organisation).where(Organisation.id.in_(org_ids)))}  # type: ignore[union-attr]
    return [
        DeliveryRow(
            delivery_id=r.id,
            filename=r.filename,
            period_code=r.period_code,
            received_at=r.received_at,
            delivered_by=orgs.get(r.organisation_id, ""),
            replaced=r.replaced_by_id is not None,
            technical=by_key.get((r.id, ReportKind.technical)),
            readiness=by_key.get((r.id, ReportKind.readiness)),
        )
        for r in rows
    ]
