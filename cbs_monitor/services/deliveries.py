"""Receiving a delivery (aanlevering): check, store privately, validate, record both reports."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
from collections.abc import Callable

from sqlmodel import Session, select

from cbs_monitor import clock, dutch, glossary, protocol
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
    messages,
    notifications,
    periods,
    readiness_reports,
    service_levels,
    storage,
    validation_pool,
)
from cbs_monitor.services.errors import NotPermitted, Refused
from cbs_monitor.services.permissions import Action, Actor, can, require
from cbs_monitor.settings import get_settings

log = logging.getLogger(__name__)


class DeliveryRefused(Refused):
    """The upload may not be received at all (no permission, no open window); Dutch message."""


@dataclasses.dataclass
class Outcome:
    """What the Aanleveren tab shows after sending: the verdict and where it was recorded."""

    result: TechnicalResult
    delivery_id: int | None  # None when the file was refused and not stored
    municipality_code: str  # whom it was recorded for: the code in the file name decides


def prepare(
    db: Session, actor: Actor | None, municipality_code: str, size: int
) -> ValidationContext:
    """Gate an upload before reading it: permission, window and size. Raises DeliveryRefused."""
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
            f"Het bestand is groter dan {dutch.file_size(settings.max_upload_bytes)} en is niet verstuurd."
        )
    known = frozenset(db.exec(select(Municipality.code)).all())
    return ValidationContext(
        upload_date=clock.today(),
        known_municipality_codes=known,
        # The code in the file name decides whom a delivery is for (protocol §1): a coordinator may
        # send the file of any municipality that delegated to the cooperative.
        allowed_municipality_codes=frozenset(
            code for code in actor.municipality_codes if can(actor, Action.deliver, code)
        ),
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
    require(actor, Action.deliver, municipality_code)
    received_at = clock.now()
    if result.municipality_code and can(actor, Action.deliver, result.municipality_code):
        municipality_code = result.municipality_code
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
        return Outcome(result=result, delivery_id=None, municipality_code=municipality_code)

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
        recount_replacements(db, municipality_code, delivery.period_code)
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
        f"Bestand {delivery.filename} ontvangen ({dutch.plural(delivery.size, 'byte', 'bytes')}) "
        f"voor periode {delivery.period_code}.",
        period_code=delivery.period_code,
        user_id=actor.user_id,
        delivery_id=delivery.id,
    )
    messages.log_message(
        db,
        municipality_code,
        "technisch_rapport",
        f"Technisch rapport van {delivery.filename}: {result.status} "
        f"({dutch.number(result.records_read)} records gelezen, "
        f"{dutch.number(result.records_with_errors)} met fouten).",
        period_code=delivery.period_code,
        user_id=actor.user_id,
        delivery_id=delivery.id,
    )
    notifications.technical_report_ready(db, delivery, technical)
    if approved:
        readiness_reports.build_readiness_report(db, delivery, result)
    return Outcome(result=result, delivery_id=delivery.id, municipality_code=municipality_code)


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


# --- the Aanleveren tab -------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class UploadRules:
    """What the browser checks before sending (the server checks it all again)."""

    accept: dict[str, list[str]]
    max_bytes: int
    max_text: str  # "2,5 MB"
    name_pattern_js: str  # the protocol's file-name pattern as a JavaScript regular expression
    name_template: str
    name_example: str


def upload_rules() -> UploadRules:
    spec = protocol.SPEC_WMO_V1
    settings = get_settings()
    types = {"text/csv": [".csv"], "text/plain": [".txt"]}
    accept = {
        **{kind: ext for kind, ext in types.items() if ext[0] in spec.text_extensions},
        "application/zip": [spec.archive_extension],
        "application/x-zip-compressed": [spec.archive_extension],
    }
    return UploadRules(
        accept=accept,
        max_bytes=settings.max_upload_bytes,
        max_text=dutch.file_size(settings.max_upload_bytes),
        # Python's named groups (?P<name>…) are (?<name>…) in JavaScript.
        name_pattern_js="^" + spec.filename_pattern.replace("(?P<", "(?<") + "$",
        name_template="WMO_<gemeentecode>_<JJJJ>H<1|2>_<JJJJMMDD>.csv",
        name_example=spec.filename_example,
    )


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


@dataclasses.dataclass(frozen=True)
class SummaryLine:
    label: str
    value: str


@dataclasses.dataclass(frozen=True)
class FindingRow:
    code: str
    severity: str
    message: str
    count: str


@dataclasses.dataclass(frozen=True)
class SentView:
    """The technical report on the Aanleveren tab right after sending."""

    verdict: str
    filename: str
    stored: bool
    # Set when the file was for another municipality than the one chosen (a coordinator's).
    municipality_note: str
    summary: tuple[SummaryLine, ...]
    findings: tuple[FindingRow, ...]
    delivery_id: int


MAX_FINDINGS_ON_SCREEN = 200


def sent_view(
    result: TechnicalResult, delivery_id: int | None, municipality_note: str = ""
) -> SentView:
    return SentView(
        verdict=result.status,
        filename=result.filename,
        stored=delivery_id is not None,
        municipality_note=municipality_note,
        summary=(
            SummaryLine("Gemeente", result.municipality_code or "onbekend"),
            SummaryLine("Verslagperiode", result.period_code or "onbekend"),
            SummaryLine(glossary.RECORDS_READ, dutch.number(result.records_read)),
            SummaryLine(glossary.RECORDS_VALID, dutch.number(result.records_valid)),
            SummaryLine(glossary.RECORDS_WITH_ERRORS, dutch.number(result.records_with_errors)),
            SummaryLine(glossary.RECORDS_OUT_OF_PERIOD, dutch.number(result.records_out_of_period)),
            SummaryLine("Ontvangen", clock.format_local(clock.now())),
        ),
        findings=tuple(
            FindingRow(f.code, f.severity, f.describe(), dutch.number(f.count))
            for f in result.findings[:MAX_FINDINGS_ON_SCREEN]
        ),
        delivery_id=delivery_id or 0,
    )


def deliver(
    db: Session,
    actor: Actor,
    municipality_code: str,
    filename: str,
    read: Callable[[int], bytes],
    *,
    terms_accepted: bool,
) -> SentView:
    """Send one file: terms, permission, window and size first; then validation in the process
    pool (this thread waits, the event loop does not), storage and both reports."""
    if not terms_accepted:
        raise Refused("Vink eerst het vak Algemene voorwaarden aan.")
    limit = get_settings().max_upload_bytes
    data = read(limit + 1)
    context = prepare(db, actor, municipality_code, len(data))
    name = (filename or "bestand").replace("\\", "/").rsplit("/", 1)[-1]
    result = validation_pool.validate_blocking(name, data, context)
    outcome = record(db, actor, municipality_code, name, data, result)
    note = ""
    if outcome.delivery_id is not None and outcome.municipality_code != municipality_code:
        other = outcome.municipality_code
        note = (
            f"Dit bestand is voor gemeente {actor.municipality_names.get(other, other)} ({other}) "
            "en is voor die gemeente aangeleverd."
        )
    return sent_view(outcome.result, outcome.delivery_id, note)
