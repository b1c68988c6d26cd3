"""The .xlsx files behind single-use download links: granted after the permission check, built
after the same check again when the link is redeemed."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from sqlmodel import Session

from cbs_monitor import clock, routes
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
from cbs_monitor.reports.overview_xlsx import write_overview
from cbs_monitor.reports.readiness_xlsx import write_readiness_report
from cbs_monitor.reports.technical_xlsx import write_technical_report
from cbs_monitor.services import downloads, messages
from cbs_monitor.services.errors import NotPermitted, Refused
from cbs_monitor.services.permissions import Action, Actor, can, may_see_municipality, require
from cbs_monitor.services.review import overview as review_overview

TECHNICAL_KIND = "technisch_rapport"
READINESS_KIND = "op_orde_rapport"
MESSAGE_LOG_KIND = "berichtenlog"
OVERVIEW_KIND = "cbs_overzicht"
GRANT_KINDS = {ReportKind.technical: TECHNICAL_KIND, ReportKind.readiness: READINESS_KIND}
NOT_YET_RELEASED = "Dit Op orde rapport is nog niet vrijgegeven door CBS."
NOT_THIS_MUNICIPALITY = "Dit rapport hoort niet bij deze gemeente."


class NotAllowed(NotPermitted):
    """The actor may not fetch this file (or it does not exist for them)."""


# --- which reports may be fetched -------------------------------------------------------------


def downloadable(actor: Actor, report: Report) -> bool:
    """A report can be fetched once it exists; an op-orde report held for review only by CBS."""
    if report.status == ReportStatus.pending:
        return False
    if report.kind == ReportKind.readiness and report.status != ReportStatus.ready:
        return can(actor, Action.review)
    return True


def report_with_delivery(
    db: Session, actor: Actor, report_id: int, *, municipality_code: str | None = None
) -> tuple[Report, Delivery]:
    """A report the actor may see (of this municipality, when given), with its delivery."""
    report = db.get(Report, int(report_id))
    delivery = db.get(Delivery, report.delivery_id) if report else None
    if (
        report is None
        or delivery is None
        or (municipality_code is not None and delivery.municipality_code != municipality_code)
        or not may_see_municipality(actor, delivery.municipality_code)
    ):
        raise NotAllowed(NOT_THIS_MUNICIPALITY)
    return report, delivery


def grant_report(
    db: Session, actor: Actor, report_id: int, *, municipality_code: str | None = None
) -> str:
    """A single-use link to a report's .xlsx, after the same checks the download repeats."""
    report, _ = report_with_delivery(db, actor, report_id, municipality_code=municipality_code)
    if not downloadable(actor, report):
        raise Refused(NOT_YET_RELEASED)
    token = downloads.grant(db, actor.user_id, GRANT_KINDS[report.kind], report_id=report.id)
    return routes.download(token)


@dataclasses.dataclass(frozen=True)
class OverviewExport:
    """The reviewer's filters, carried by the export link."""

    period_code: str
    status: str = ""
    search: str = ""
    overdue_only: bool = False
    held_only: bool = False
    sort: str = review_overview.DEFAULT_SORT


def grant_overview_export(db: Session, actor: Actor, export: OverviewExport) -> str:
    require(actor, Action.review)
    token = downloads.grant(db, actor.user_id, OVERVIEW_KIND, **dataclasses.asdict(export))
    return routes.download(token)


# --- building the files (the download route) --------------------------------------------------

Builder = Callable[[Session, Actor, dict], tuple[str, bytes]]


def build(db: Session, actor: Actor | None, grant: DownloadGrant) -> tuple[str, bytes]:
    """(file name, .xlsx bytes) of a redeemed grant, for this actor; NotAllowed otherwise."""
    fn = BUILDERS.get(grant.kind)
    if actor is None or fn is None:
        raise NotAllowed()
    return fn(db, actor, grant.params)


def _report_and_delivery(
    db: Session, actor: Actor, params: dict, kind: ReportKind
) -> tuple[Report, Delivery]:
    report, delivery = report_with_delivery(db, actor, int(params["report_id"]))
    if report.kind != kind or not downloadable(actor, report):
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


def _technical(db: Session, actor: Actor, params: dict) -> tuple[str, bytes]:
    report, delivery = _report_and_delivery(db, actor, params, ReportKind.technical)
    organisation = db.get(Organisation, delivery.organisation_id)
    data = write_technical_report(
        TechnicalResult.from_dict(report.content),
        uploaded_at=clock.to_local(delivery.received_at),
        organisation=organisation.name if organisation else "",
        municipality_name=_municipality_name(db, delivery.municipality_code),
    )
    _log_download(db, actor, delivery, "Technisch rapport")
    return f"Technisch_rapport_{_stem(delivery.filename)}.xlsx", data


def _readiness(db: Session, actor: Actor, params: dict) -> tuple[str, bytes]:
    report, delivery = _report_and_delivery(db, actor, params, ReportKind.readiness)
    data = write_readiness_report(
        ReadinessResult.from_dict(report.content),
        municipality_name=_municipality_name(db, delivery.municipality_code),
        period_code=delivery.period_code,
    )
    _log_download(db, actor, delivery, "Op orde rapport")
    return f"Op_orde_rapport_{delivery.municipality_code}_{delivery.period_code}.xlsx", data


def _message_log(db: Session, actor: Actor, params: dict) -> tuple[str, bytes]:
    code = params["municipality_code"]
    if not may_see_municipality(actor, code):
        raise NotAllowed()
    start, end = dt.date.fromisoformat(params["start"]), dt.date.fromisoformat(params["end"])
    rows = messages.list_messages(db, code, start, end, limit=None)
    data = write_message_log(
        rows, municipality=f"{_municipality_name(db, code)} ({code})", start=start, end=end
    )
    return f"Berichtenlog_{code}_{start:%Y%m%d}_{end:%Y%m%d}.xlsx", data


def _overview(db: Session, actor: Actor, params: dict) -> tuple[str, bytes]:
    """The overview with the reviewer's filters as .xlsx."""
    if not can(actor, Action.review):
        raise NotAllowed()
    export = OverviewExport(**params)
    rows, _, counts = review_overview.overview(
        db,
        actor,
        export.period_code,
        status=export.status or None,
        search=export.search,
        overdue_only=export.overdue_only,
        held_only=export.held_only,
        sort=export.sort,
        limit=None,
    )
    filters = [
        (label, value)
        for label, value in (
            ("status", export.status),
            ("zoekterm", export.search),
            ("alleen te laat", "ja" if export.overdue_only else ""),
            ("alleen wacht op vrijgave", "ja" if export.held_only else ""),
        )
        if value
    ]
    data = write_overview(
        rows, period_code=export.period_code, counts=counts, filters=filters, created_at=clock.now()
    )
    return f"CBS_overzicht_{export.period_code}_{clock.today():%Y%m%d}.xlsx", data


BUILDERS: dict[str, Builder] = {
    TECHNICAL_KIND: _technical,
    READINESS_KIND: _readiness,
    MESSAGE_LOG_KIND: _message_log,
    OVERVIEW_KIND: _overview,
}
