"""Receiving a delivery (aanlevering): check, store privately, validate, record both reports."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
from collections.abc import Callable

from sqlmodel import Session, select

from cbs_monitor import clock, dutch, protocol
from cbs_monitor.models import (
    Delivery,
    DeliveryStatus,
    Municipality,
    Organisation,
    Report,
    ReportKind,
    ReportStatus,
)
from cbs_monitor.protocol import TechnicalResult, ValidationContext
from cbs_monitor.services import (
    delivery_views,
    messages,
    notifications,
    periods,
    readiness_reports,
    service_levels,
    storage,
    validation_jobs,
)
from cbs_monitor.services.delivery_views import (
    ProgressView,
    ReceiptView,
    SendView,
    sent_view,
)
from cbs_monitor.services.errors import NotPermitted, Refused
from cbs_monitor.services.permissions import Action, Actor, can, require
from cbs_monitor.settings import get_settings

log = logging.getLogger(__name__)


class DeliveryRefused(Refused):
    """The upload may not be received at all (no permission, no open window); Dutch message."""


@dataclasses.dataclass
class Outcome:
    """Where a validated upload was recorded (demo data, tests: `record`)."""

    result: TechnicalResult
    delivery_id: int | None  # None when the file was refused and not stored
    municipality_code: str  # whom it was recorded for: the code in the file name decides


def prepare(
    db: Session, actor: Actor | None, municipality_code: str, size: int
) -> ValidationContext:
    """Gate an upload before reading it: permission, window and size. Raises DeliveryRefused.
    The context is what the validation checks against, fixed at this moment of receipt."""
    settings = get_settings()
    if not can(actor, Action.deliver, municipality_code):
        raise NotPermitted("U mag geen bestanden aanleveren voor deze gemeente.")
    assert actor is not None
    open_periods = periods.open_delivery_periods(db)
    if not open_periods:
        raise DeliveryRefused(
            "De aanleverperiode is gesloten. U kunt nu geen bestanden aanleveren."
        )
    if size > settings.max_upload_bytes:
        raise DeliveryRefused(
            f"Het bestand is groter dan {dutch.file_size(settings.max_upload_bytes)} en is niet "
            "verstuurd."
        )
    open_codes = sorted(p.code for p in open_periods)
    return ValidationContext.from_settings(
        settings,
        upload_date=clock.today(),
        known_municipality_codes=frozenset(db.exec(select(Municipality.code)).all()),
        # The code in the file name decides whom a delivery is for (protocol §1): a coordinator may
        # send the file of any municipality that delegated to the cooperative.
        allowed_municipality_codes=frozenset(
            code for code in actor.municipality_codes if can(actor, Action.deliver, code)
        ),
        open_period_codes=frozenset(open_codes),
        # A file whose name yields no valid code or period is checked as the chosen municipality's
        # file for the open period (the latest, when two are open).
        fallback_municipality_code=municipality_code,
        fallback_period_code=open_codes[-1],
    )


def _refused(db: Session, actor: Actor, municipality_code: str, result: TechnicalResult) -> None:
    """A Geweigerd upload is never stored: only its refusal is logged."""
    reason = (
        result.errors[0].describe()
        if result.errors
        else "het bestand voldoet niet aan het aanleverprotocol."
    )
    messages.log_message(
        db,
        municipality_code,
        "bestand_geweigerd",
        f"Bestand {result.filename} geweigerd: {reason}",
        user_id=actor.user_id,
    )


def _store_received(
    db: Session,
    actor: Actor,
    municipality_code: str,
    period_code: str,
    filename: str,
    data: bytes,
    context: ValidationContext | None,
) -> Delivery:
    """The receipt: the file in private storage and the delivery 'ontvangen' (time, size,
    sha256), with the context its validation job checks against. The stored file goes again
    with the transaction when it does not commit (nothing is left behind without its row)."""
    received_at = clock.now()
    key = storage.put(data, db)
    delivery = Delivery(
        municipality_code=municipality_code,
        period_code=period_code,
        organisation_id=actor.organisation_id,
        user_id=actor.user_id,
        filename=filename,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_key=key,
        received_at=received_at,
        status=DeliveryStatus.received,
        validation_context=validation_jobs.context_to_json(context) if context else {},
        validation_queued_at=received_at,
    )
    db.add(delivery)
    db.flush()
    messages.log_message(
        db,
        municipality_code,
        "bestand_ontvangen",
        f"Bestand {delivery.filename} ontvangen ({dutch.plural(delivery.size, 'byte', 'bytes')}) "
        f"voor periode {delivery.period_code}.",
        period_code=delivery.period_code,
        user_id=actor.user_id,
        delivery_id=delivery.id,
    )
    return delivery


def record_result(db: Session, delivery: Delivery, result: TechnicalResult) -> None:
    """The end of a validation: verdict and counts on the delivery, the technical report, the
    messages and mails, and after approval the op-orde report. Called once per delivery (the
    validation job holds the claim; `record` has just stored it)."""
    approved = result.approved
    now = clock.now()
    delivery.status = DeliveryStatus.approved if approved else DeliveryStatus.rejected
    delivery.records_read = result.records_read
    delivery.records_valid = result.records_valid
    delivery.records_with_errors = result.records_with_errors
    delivery.records_out_of_period = result.records_out_of_period
    delivery.validated_at = now
    delivery.validation_claimed_by = None
    delivery.validation_claimed_at = None
    delivery.validation_error = None
    db.add(delivery)
    db.flush()
    if approved:
        recount_replacements(db, delivery.municipality_code, delivery.period_code)
    technical = Report(
        delivery_id=delivery.id,
        kind=ReportKind.technical,
        status=ReportStatus.approved if approved else ReportStatus.rejected,
        due_at=service_levels.technical_due(delivery.received_at),
        created_at=now,
        released_at=now,
        content=result.to_dict(),
    )
    db.add(technical)
    db.flush()
    messages.log_message(
        db,
        delivery.municipality_code,
        "technisch_rapport",
        f"Technisch rapport van {delivery.filename}: {result.status} "
        f"({dutch.number(result.records_read)} records gelezen, "
        f"{dutch.number(result.records_with_errors)} met fouten).",
        period_code=delivery.period_code,
        user_id=delivery.user_id,
        delivery_id=delivery.id,
    )
    people = notifications.recipients(db, delivery.municipality_code)
    notifications.technical_report_ready(db, delivery, technical, people)
    if approved:
        readiness_reports.build_readiness_report(db, delivery, result, people)


def _recorded_for(
    db: Session,
    actor: Actor,
    chosen: str,
    named: str | None,
    fallback_period: str | None,
    named_period: str | None,
) -> tuple[str, str | None]:
    """Whom and which period a delivery is stored under: what the name says where it is a
    municipality the actor may deliver for and a known period, else the fallbacks."""
    municipality = named if named and can(actor, Action.deliver, named) else chosen
    period = (
        named_period
        if named_period and db.get(periods.ReportingPeriod, named_period) is not None
        else fallback_period
    )
    return municipality, period


def record(
    db: Session,
    actor: Actor,
    municipality_code: str,
    filename: str,
    data: bytes,
    result: TechnicalResult,
) -> Outcome:
    """Store an upload that was validated already (demo data, tests) and record its reports at
    once: the same receipt and the same recording as a validation job's."""
    require(actor, Action.deliver, municipality_code)
    if result.refused:
        _refused(db, actor, municipality_code, result)
        return Outcome(result=result, delivery_id=None, municipality_code=municipality_code)
    code, period = _recorded_for(
        db, actor, municipality_code, result.municipality_code, None, result.period_code
    )
    if period is None:
        period = result.period_codes[-1] if result.period_codes else None
    if period is None or db.get(periods.ReportingPeriod, period) is None:
        raise DeliveryRefused("Voor dit bestand is geen verslagperiode bekend.")
    delivery = _store_received(db, actor, code, period, result.filename, data, None)
    record_result(db, delivery, result)
    return Outcome(result=result, delivery_id=delivery.id, municipality_code=code)


def recount_replacements(db: Session, code: str, period_code: str) -> None:
    """The one replacement rule: each delivery is replaced by the first approved delivery after it.
    Run on receipt and after every CBS override (which can make an older file count again)."""
    rows = db.exec(
        select(Delivery)
        .where(Delivery.municipality_code == code, Delivery.period_code == period_code)
        .order_by(Delivery.received_at, Delivery.id)
    ).all()
    next_approved: int | None = None
    for row in reversed(rows):
        if row.replaced_by_id != next_approved:
            row.replaced_by_id = next_approved
            db.add(row)
        if row.effective_status == DeliveryStatus.approved:
            next_approved = row.id
    db.flush()


@dataclasses.dataclass
class DeliveryRow:
    """One delivery as the Ophalen tab lists it."""

    delivery_id: int
    filename: str
    period_code: str
    received_at: dt.datetime
    delivered_by: str
    replaced: bool
    status: DeliveryStatus
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
    reports = db.exec(select(Report).where(Report.delivery_id.in_(ids))).all()
    by_key = {(r.delivery_id, r.kind): r for r in reports}
    org_ids = {r.organisation_id for r in rows}
    orgs = {o.id: o.name for o in db.exec(select(Organisation).where(Organisation.id.in_(org_ids)))}
    return [
        DeliveryRow(
            delivery_id=r.id,
            filename=r.filename,
            period_code=r.period_code,
            received_at=r.received_at,
            delivered_by=orgs.get(r.organisation_id, ""),
            replaced=r.replaced_by_id is not None,
            status=r.status,
            technical=by_key.get((r.id, ReportKind.technical)),
            readiness=by_key.get((r.id, ReportKind.readiness)),
        )
        for r in rows
    ]


# --- the Aanleveren tab -------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class DeliverPage:
    window_open: bool
    window_text: str


def deliver_page(db: Session, actor: Actor, municipality_code: str) -> DeliverPage:
    """Whether files can be sent now, and the window in words."""
    require(actor, Action.view, municipality_code)
    open_periods = periods.open_delivery_periods(db)
    if open_periods:
        return DeliverPage(
            True,
            " ".join(
                f"De aanleverperiode voor verslagperiode {p.code} is open tot en met "
                f"{dutch.date(p.delivery_closes_on)}."
                for p in open_periods
            ),
        )
    upcoming = periods.next_delivery_period(db)
    if upcoming is not None:
        return DeliverPage(
            False,
            f"De aanleverperiode is gesloten. De aanleverperiode voor {upcoming.code} opent op "
            f"{dutch.date(upcoming.delivery_opens_on)}.",
        )
    last = periods.last_closed_delivery_period(db)
    closed = (
        f" De laatste aanleverperiode ({last.code}) sloot op {dutch.date(last.delivery_closes_on)}."
    )
    return DeliverPage(False, "De aanleverperiode is gesloten." + (closed if last else ""))


def _note(actor: Actor, chosen: str, recorded_for: str) -> str:
    if recorded_for == chosen:
        return ""
    name = actor.municipality_names.get(recorded_for, recorded_for)
    return (
        f"Dit bestand is voor gemeente {name} ({recorded_for}) en is voor die gemeente aangeleverd."
    )


def _queue_room(db: Session, municipality_code: str) -> None:
    """Fair and bounded: a municipality has a few files in the queue at most, and the queue as a
    whole has a limit; a full queue says so in Dutch and nothing is stored."""
    settings = get_settings()
    mine, total = validation_jobs.waiting_counts(db, municipality_code)
    if mine >= settings.max_pending_per_municipality:
        raise DeliveryRefused(
            f"Er {'wordt' if mine == 1 else 'worden'} al "
            f"{dutch.plural(mine, 'bestand', 'bestanden')} van deze gemeente gecontroleerd. "
            "Wacht tot het Technisch rapport klaarstaat en verstuur dit bestand daarna opnieuw; "
            "het is niet opgeslagen."
        )
    if total >= settings.max_pending_total:
        raise DeliveryRefused(
            "Het is nu erg druk: de wachtrij voor de controle is vol. Verstuur het bestand over "
            "enkele minuten opnieuw; het is niet opgeslagen."
        )


def deliver(
    db: Session,
    actor: Actor,
    municipality_code: str,
    filename: str,
    read: Callable[[int], bytes],
    *,
    terms_accepted: bool,
) -> SendView:
    """Send one file: terms, permission, window and size first, then what the names say; then
    the receipt (file stored, delivery 'ontvangen', committed) and the validation job, queued
    once the receipt is committed. The technical report follows (`delivery_progress`)."""
    if not terms_accepted:
        raise Refused("Vink eerst het vak Algemene voorwaarden aan.")
    limit = get_settings().max_upload_bytes
    data = read(limit + 1)
    context = prepare(db, actor, municipality_code, len(data))
    name = (filename or "bestand").replace("\\", "/").rsplit("/", 1)[-1]
    admission = protocol.admit_upload(name, data, context=context)
    if admission.refused is not None:
        _refused(db, actor, municipality_code, admission.refused)
        return SendView(receipt=None, refused=sent_view(db, admission.refused, None))
    code, period = _recorded_for(
        db,
        actor,
        municipality_code,
        admission.municipality_code,
        context.fallback_period_code,
        admission.period_code,
    )
    assert period is not None  # prepare found an open period
    _queue_room(db, code)
    delivery = _store_received(db, actor, code, period, name, data, context)
    validation_jobs.queue_after_commit(db, delivery.id)
    return SendView(
        receipt=ReceiptView(
            delivery_id=delivery.id,
            filename=delivery.filename,
            municipality=delivery_views.municipality_label(db, code),
            period_code=period,
            received_at=clock.format_local(delivery.received_at),
            size=dutch.file_size_with_bytes(delivery.size),
            sha256=delivery.sha256,
            municipality_note=_note(actor, municipality_code, code),
        ),
        refused=None,
    )


def delivery_progress(db: Session, actor: Actor, delivery_id: int) -> ProgressView:
    delivery = db.get(Delivery, delivery_id)
    if delivery is None:
        raise NotPermitted("Deze aanlevering bestaat niet of is niet van uw gemeente.")
    require(actor, Action.view, delivery.municipality_code)
    if delivery.status == DeliveryStatus.received:
        if delivery.validation_claimed_at is not None:
            return ProgressView("controle", "Het bestand wordt nu gecontroleerd…", None)
        ahead = validation_jobs.position(db, delivery)
        return ProgressView(
            "wachtrij",
            "Het bestand staat in de wachtrij voor de controle. "
            + validation_jobs.describe_position(ahead),
            None,
        )
    if delivery.status == DeliveryStatus.technical_error:
        return ProgressView(
            "fout",
            "Het bestand kon door een technische fout niet worden gecontroleerd. Het is bewaard "
            "en telt als ontvangen; CBS is gewaarschuwd en neemt contact met u op.",
            None,
        )
    report = readiness_reports.report_of(db, delivery.id, ReportKind.technical)
    if report is None:  # recorded in the same transaction as the verdict: not reachable
        return ProgressView("controle", "Het bestand wordt nu gecontroleerd…", None)
    result = TechnicalResult.from_dict(report.content)
    return ProgressView(
        "klaar",
        "Het Technisch rapport staat klaar.",
        sent_view(db, result, delivery, report_id=report.id),
    )
