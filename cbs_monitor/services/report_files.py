"""Builds the .xlsx behind a download grant, re-checking that the actor may see it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlmodel import Session

from cbs_monitor import clock
from cbs_monitor.models import (
    Delivery,
    DownloadGrant,
    Municipality,
    Organisation,
    Report,
    ReportKind,
    ReportStatus,
)
from cbs_monitor.protocol import ReadinessResult, TechnicalResult
from cbs_monitor.reports.message_log_xlsx import write_message_log
from cbs_monitor.reports.readiness_xlsx import write_readiness_report
from cbs_monitor.reports.technical_xlsx import write_technical_report
from cbs_monitor.services import messages
from cbs_monitor.services.permissions import Action, Actor, can


class NotAllowed(Exception):
    pass


Builder = Callable[[Session, Actor, dict], tuple[str, bytes]]
BUILDERS: dict[str, Builder] = {}


def builder(kind: str) -> Callable[[Builder], Builder]:
    def register(fn: Builder) -> Builder:
        BUILDERS[kind] = fn
        return fn

    return register


def build(db: Session, actor: Actor | None, grant: DownloadGrant) -> tuple[str, bytes]:
    fn = BUILDERS.get(grant.kind)
    if actor is None or fn is None:
        raise NotAllowed()
    return fn(db, actor, grant.params)


def _may_view(db: Session, actor: Actor, municipality_code: str) -> bool:
    return can(actor, Action.view, municipality_code) or can(actor, Action.review)


def _report_and_delivery(
    db: Session, actor: Actor, report_id: int, kind: ReportKind
) -> tuple[Report, Delivery]:
    report = db.get(Report, report_id)
    if report is None or report.kind != kind:
        raise NotAllowed()
    delivery = db.get(Delivery, report.delivery_id)
    if delivery is None or not _may_view(db, actor, delivery.municipality_code):
        raise NotAllowed()
    return report, delivery


def _municipality_name(db: Session, code: str) -> str:
    municipality = db.get(Municipality, code)
    return municipality.name if municipality else code


def _stem(filename: str) -> str:
    return filename.rsplit(".", 1)[0]


def _log_download(db: Session, actor: Actor, delivery: Delivery, what: str) -> None:
    """A report download is an action too: the municipality sees who fetched what in its Berichtenlog."""
    messages.log_message(
        db,
        delivery.municipality_code,
        "rapport_gedownload",
        f"{what} van {delivery.filename} gedownload door {actor.name} ({actor.organisation_name}).",
        period_code=delivery.period_code,
        user_id=actor.user_id,
        delivery_id=delivery.id,
    )


@builder("technisch_rapport")
def _technical(db: Session, actor: Actor, params: dict) -> tuple[str, bytes]:
    report, delivery = _report_and_delivery(
        db, actor, int(params["report_id"]), ReportKind.technical
    )
    organisation = db.get(Organisation, delivery.organisation_id)
    data = write_technical_report(
        TechnicalResult.from_dict(report.content),
        uploaded_at=clock.to_local(delivery.received_at),
        organisation=organisation.name if organisation else "",
        municipality_name=_municipality_name(db, delivery.municipality_code),
    )
    _log_download(db, actor, delivery, "Technisch rapport")
    return f"Technisch_rapport_{_stem(delivery.filename)}.xlsx", data


@builder("op_orde_rapport")
def _readiness(db: Session, actor: Actor, params: dict) -> tuple[str, bytes]:
    report, delivery = _report_and_delivery(
        db, actor, int(params["report_id"]), ReportKind.readiness
    )
    if report.status != ReportStatus.ready and not can(actor, Action.review):
        raise NotAllowed()  # held for CBS review: not yet for the municipality
    data = write_readiness_report(
        ReadinessResult.from_dict(report.content),
        municipality_name=_municipality_name(db, delivery.municipality_code),
        period_code=delivery.period_code,
    )
    _log_download(db, actor, delivery, "Op orde rapport")
    return f"Op_orde_rapport_{delivery.municipality_code}_{delivery.period_code}.xlsx", data


@builder("berichtenlog")
def _message_log(db: Session, actor: Actor, params: dict) -> tuple[str, bytes]:
    code = params["municipality_code"]
    if not _may_view(db, actor, code):
        raise NotAllowed()
    start, end = dt.date.fromisoformat(params["start"]), dt.date.fromisoformat(params["end"])
    rows = messages.list_messages(db, code, start, end, limit=None)
    data = write_message_log(
        rows, municipality=f"{_municipality_name(db, code)} ({code})", start=start, end=end
    )
    return f"Berichtenlog_{code}_{start:%Y%m%d}_{end:%Y%m%d}.xlsx", data
