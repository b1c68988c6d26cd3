"""The use cases of the supplier API (/api/v1): periods, delivering, status with the technical
report, the report files. Each calls the same services as the pages, with the same rules."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from cbs_monitor import clock, protocol
from cbs_monitor.models import (
    Delivery,
    IdempotencyKey,
    Organisation,
    ReportKind,
)
from cbs_monitor.services import (
    deliveries,
    delivery_views,
    periods,
    readiness_reports,
    report_files,
)
from cbs_monitor.services.api_clients import SCOPE_DELIVER, SCOPE_READ, SCOPES, ApiCaller
from cbs_monitor.services.errors import NotPermitted, Refused
from cbs_monitor.services.permissions import Action, can, require
from cbs_monitor.settings import get_settings

NOT_FOUND = "Deze aanlevering bestaat niet of is niet van een gemeente waarvoor u mag aanleveren."
# The finding of an upload for a municipality the deliverer may not deliver for (ZIP entries).
NOT_ALLOWED_FINDING = protocol.SPEC_WMO_V1.file_checks["not_allowed"][0]
_KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,200}")
# How long an Idempotency-Key finds its first delivery.
IDEMPOTENCY_WINDOW = dt.timedelta(hours=24)


def _aware(stamp: dt.datetime) -> dt.datetime:
    return stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=clock.UTC)


class ScopeMissing(NotPermitted):
    """The token lacks the scope this call needs."""


class TooLarge(Refused):
    """The upload is over the limit (the server checks it, whatever the client said)."""


class NotReady(Refused):
    """The report asked for is not there (yet), or not released."""


class IdempotencyMismatch(Refused):
    """An Idempotency-Key used before with another file."""


class IdempotencyRace(Exception):
    """A concurrent request with the same key won; the caller runs the use case again, which
    then finds the first delivery."""


def _require_scope(caller: ApiCaller, scope: str) -> None:
    if scope not in caller.scopes:
        raise ScopeMissing(f"Dit token mag niet: {SCOPES[scope]} (scope '{scope}' ontbreekt).")


# --- periods ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PeriodInfo:
    code: str
    start_date: dt.date
    end_date: dt.date
    delivery_opens_on: dt.date
    delivery_closes_on: dt.date
    delivery_window_open: bool
    withdrawal_opens_on: dt.date
    withdrawal_closes_on: dt.date


def list_periods(db: Session, caller: ApiCaller) -> list[PeriodInfo]:
    today = clock.today()
    return [
        PeriodInfo(
            code=p.code,
            start_date=p.start_date,
            end_date=p.end_date,
            delivery_opens_on=p.delivery_opens_on,
            delivery_closes_on=p.delivery_closes_on,
            delivery_window_open=periods.delivery_open(p, today),
            withdrawal_opens_on=p.withdrawal_opens_on,
            withdrawal_closes_on=p.withdrawal_closes_on,
        )
        for p in periods.all_periods(db)
    ]


# --- delivering -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Receipt:
    """The ontvangstbevestiging as data; `replayed` when an Idempotency-Key found it."""

    id: int
    municipality_code: str
    period_code: str
    filename: str
    received_at: dt.datetime
    size: int
    sha256: str
    status: str
    replayed: bool = False


@dataclasses.dataclass(frozen=True)
class RefusedFinding:
    code: str
    severity: str
    message: str
    count: int


@dataclasses.dataclass(frozen=True)
class RefusedUpload:
    """A Geweigerd upload: not stored, its refusal is in the Berichtenlog."""

    status: str
    filename: str
    detail: str
    findings: tuple[RefusedFinding, ...]
    not_permitted: bool  # refused because it is for a municipality the supplier may not serve


@dataclasses.dataclass(frozen=True)
class SendResult:
    receipt: Receipt | None
    refused: RefusedUpload | None


def _receipt(delivery: Delivery, *, replayed: bool = False) -> Receipt:
    assert delivery.id is not None
    return Receipt(
        id=delivery.id,
        municipality_code=delivery.municipality_code,
        period_code=delivery.period_code,
        filename=delivery.filename,
        received_at=clock.to_local(delivery.received_at),
        size=delivery.size,
        sha256=delivery.sha256,
        status=delivery.status.value,
        replayed=replayed,
    )


def _target_municipality(caller: ApiCaller, name: str, chosen: str | None) -> str:
    """Whom the upload is for: the field when given, else the code in the file name, else the
    supplier's one municipality."""
    if chosen and chosen.strip():
        return chosen.strip()
    found = re.fullmatch(protocol.SPEC_WMO_V1.filename_pattern, name, re.IGNORECASE)
    if found:
        return found["municipality"]
    if len(caller.actor.municipality_codes) == 1:
        return caller.actor.municipality_codes[0]
    raise Refused(
        "Geef de gemeentecode mee in het veld gemeentecode: de bestandsnaam noemt geen gemeente."
    )


def _refused_upload(view: delivery_views.SentView) -> RefusedUpload:
    findings = tuple(
        RefusedFinding(f.code, f.severity, f.message, int(re.sub(r"\D", "", f.count) or 0))
        for f in view.findings
    )
    return RefusedUpload(
        status=view.verdict,
        filename=view.filename,
        detail=(
            f"Bestand {view.filename} geweigerd: "
            + (findings[0].message if findings else "het voldoet niet aan het aanleverprotocol.")
        ),
        findings=findings,
        not_permitted=any(f.code == NOT_ALLOWED_FINDING for f in findings),
    )


def _claim_key(
    db: Session, caller: ApiCaller, key: str, fingerprint: str
) -> tuple[IdempotencyKey | None, Receipt | None]:
    """The first delivery under this key, or a fresh claim on the key."""
    if not _KEY_PATTERN.fullmatch(key):
        raise Refused("De Idempotency-Key bestaat uit 1 tot 200 zichtbare ASCII-tekens.")
    row = db.exec(
        select(IdempotencyKey).where(
            IdempotencyKey.api_client_id == caller.client_pk, IdempotencyKey.key == key
        )
    ).first()
    if row is not None and _aware(row.created_at) < clock.now() - IDEMPOTENCY_WINDOW:
        db.delete(row)  # an old key starts afresh (a retry comes within minutes, not days)
        db.flush()
        row = None
    if row is not None:
        if row.request_sha256 != fingerprint:
            raise IdempotencyMismatch(
                "Deze Idempotency-Key is al gebruikt voor een ander bestand. Gebruik een nieuwe "
                "sleutel voor een nieuw bestand."
            )
        delivery = db.get(Delivery, row.delivery_id) if row.delivery_id else None
        if delivery is None:
            raise IdempotencyRace()
        return None, _receipt(delivery, replayed=True)
    claim = IdempotencyKey(
        api_client_id=caller.client_pk, key=key, request_sha256=fingerprint, created_at=clock.now()
    )
    # The claim is this transaction's first write, so a plain flush: a savepoint would be the
    # outermost transaction on SQLite, whose release commits the claim on its own. A concurrent
    # request with the same key waits here until the first commits, then loses; the failed
    # transaction is rolled back by the caller, which then runs the use case again.
    db.add(claim)
    try:
        db.flush()
    except IntegrityError:
        raise IdempotencyRace() from None
    return claim, None


def deliver(
    db: Session,
    caller: ApiCaller,
    filename: str,
    read: Callable[[int], bytes],
    *,
    municipality_code: str | None = None,
    idempotency_key: str | None = None,
) -> SendResult:
    """One file by machine: the browser's rules (deliveries.deliver), for a municipality that
    authorised the supplier. The supplier accepted the Algemene voorwaarden for it when the
    productbeheerder allowed it (suppliers.authorise)."""
    _require_scope(caller, SCOPE_DELIVER)
    actor = caller.actor
    limit = get_settings().max_upload_bytes
    data = read(limit + 1)
    if len(data) > limit:
        raise TooLarge("Het bestand is groter dan 2,5 MB en is niet aangenomen.")
    name = (filename or "bestand").replace("\\", "/").rsplit("/", 1)[-1]
    code = _target_municipality(caller, name, municipality_code)
    require(
        actor,
        Action.deliver,
        code,
        message=f"U mag geen bestanden aanleveren voor gemeente {code}.",
    )
    claim = None
    if idempotency_key is not None:
        fingerprint = hashlib.sha256(name.encode() + b"\0" + data).hexdigest()
        claim, replay = _claim_key(db, caller, idempotency_key, fingerprint)
        if replay is not None:
            return SendResult(receipt=replay, refused=None)
    sent = deliveries.deliver(db, actor, code, name, lambda n: data[:n], terms_accepted=True)
    if sent.refused is not None or sent.receipt is None:
        if claim is not None:
            db.delete(claim)  # nothing was stored: a retry is checked afresh
            db.flush()
        assert sent.refused is not None
        return SendResult(receipt=None, refused=_refused_upload(sent.refused))
    delivery = db.get(Delivery, sent.receipt.delivery_id)
    assert delivery is not None
    if claim is not None:
        claim.delivery_id = delivery.id
        db.add(claim)
        db.flush()
    return SendResult(receipt=_receipt(delivery), refused=None)


# --- status, technical report and report files ----------------------------------------------


@dataclasses.dataclass(frozen=True)
class DeliveryStatusView:
    id: int
    municipality_code: str
    period_code: str
    filename: str
    received_at: dt.datetime
    size: int
    sha256: str
    delivered_by: str
    status: str  # ontvangen | goedgekeurd | afgekeurd | technische fout (after a CBS override)
    stage: str  # wachtrij | controle | klaar | fout
    stage_text: str
    replaced: bool
    # The technical report with the schema of `cbs-monitor validate --json`, once it is there.
    technical_report: dict[str, Any] | None
    readiness_report_available: bool


def _visible_delivery(db: Session, caller: ApiCaller, delivery_id: int) -> Delivery:
    delivery = db.get(Delivery, delivery_id)
    if delivery is None or not can(caller.actor, Action.view, delivery.municipality_code):
        raise NotPermitted(NOT_FOUND)
    return delivery


def delivery_status(db: Session, caller: ApiCaller, delivery_id: int) -> DeliveryStatusView:
    _require_scope(caller, SCOPE_READ)
    delivery = _visible_delivery(db, caller, delivery_id)
    progress = deliveries.delivery_progress(db, caller.actor, delivery_id)
    technical = readiness_reports.report_of(db, delivery_id, ReportKind.technical)
    readiness = readiness_reports.report_of(db, delivery_id, ReportKind.readiness)
    organisation = db.get(Organisation, delivery.organisation_id)
    return DeliveryStatusView(
        id=delivery_id,
        municipality_code=delivery.municipality_code,
        period_code=delivery.period_code,
        filename=delivery.filename,
        received_at=clock.to_local(delivery.received_at),
        size=delivery.size,
        sha256=delivery.sha256,
        delivered_by=organisation.name if organisation else "",
        status=delivery.effective_status.value,
        stage=progress.stage,
        stage_text=progress.text,
        replaced=delivery.replaced_by_id is not None,
        technical_report=dict(technical.content)
        if technical is not None and progress.stage == "klaar"
        else None,
        readiness_report_available=readiness is not None
        and report_files.downloadable(caller.actor, readiness),
    )


REPORT_NAMES = {ReportKind.technical: "Technisch rapport", ReportKind.readiness: "Op orde rapport"}


def report_file(
    db: Session, caller: ApiCaller, delivery_id: int, kind: ReportKind
) -> tuple[str, bytes]:
    """(file name, .xlsx) of a delivery's report: the same file and Berichtenlog line as the
    green arrow on the Ophalen tab."""
    _require_scope(caller, SCOPE_READ)
    _visible_delivery(db, caller, delivery_id)
    report = readiness_reports.report_of(db, delivery_id, kind)
    if report is None or not report_files.downloadable(caller.actor, report):
        raise NotReady(f"Het {REPORT_NAMES[kind]} van deze aanlevering is er (nog) niet.")
    build = report_files.BUILDERS[report_files.GRANT_KINDS[kind]]
    return build(db, caller.actor, {"report_id": report.id})
