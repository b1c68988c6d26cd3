"""Tab Ophalen: per delivery the Technisch rapport and the Op orde rapport, on screen and as .xlsx."""

from __future__ import annotations

import dataclasses

from sqlmodel import Session

from cbs_monitor import clock, dutch
from cbs_monitor.models import DeliveryStatus, Report, ReportKind, ReportStatus
from cbs_monitor.protocol import ReadinessResult
from cbs_monitor.services import deliveries, periods, report_files
from cbs_monitor.services.errors import Refused
from cbs_monitor.services.permissions import Action, Actor, require
from cbs_monitor.services.readiness_screen import ReadinessScreen, readiness_screen


@dataclasses.dataclass(frozen=True)
class ReportLink:
    """A report in the Ophalen table: its status and date, and whether the green arrow is there."""

    report_id: int = 0
    status: str = "—"
    date: str = ""
    downloadable: bool = False


@dataclasses.dataclass(frozen=True)
class RetrieveRow:
    delivery_id: int
    filename: str
    period: str
    received: str
    delivered_by: str
    replaced: bool
    technical: ReportLink
    readiness: ReportLink


@dataclasses.dataclass(frozen=True)
class RetrieveView:
    rows: tuple[RetrieveRow, ...]
    hint: str


# A technical report that is not there yet: the delivery is in the queue, or its check failed.
WAITING = {
    DeliveryStatus.received: "wordt gecontroleerd",
    DeliveryStatus.technical_error: "technische fout",
}


def _link(actor: Actor, report: Report | None, waiting: DeliveryStatus | None = None) -> ReportLink:
    if report is None:
        return ReportLink(status=WAITING.get(waiting, "—") if waiting else "—")
    return ReportLink(
        report_id=report.id or 0,
        status=report.status.value,
        date=clock.format_local(report.released_at or report.created_at),
        downloadable=report_files.downloadable(actor, report),
    )


def _hint(db: Session) -> str:
    open_periods = periods.open_delivery_periods(db)
    if not open_periods:
        return (
            "De aanleverperiode is gesloten; een nieuw bestand kan in de volgende aanleverperiode."
        )
    closes = min(p.delivery_closes_on for p in open_periods)
    return (
        "Bent u niet tevreden met de gegevens in het Op orde rapport? Lever dan vóór het einde van "
        f"de aanleverperiode ({dutch.date(closes)}) een nieuw bestand aan via het tabblad Aanleveren."
    )


def retrieve_page(db: Session, actor: Actor, municipality_code: str) -> RetrieveView:
    require(actor, Action.view, municipality_code)
    rows = tuple(
        RetrieveRow(
            delivery_id=row.delivery_id,
            filename=row.filename,
            period=row.period_code,
            received=clock.format_local(row.received_at),
            delivered_by=row.delivered_by,
            replaced=row.replaced,
            technical=_link(actor, row.technical, row.status),
            readiness=_link(actor, row.readiness),
        )
        for row in deliveries.list_for_municipality(db, municipality_code)
    )
    return RetrieveView(rows=rows, hint=_hint(db))


def readiness_on_screen(
    db: Session, actor: Actor, municipality_code: str, report_id: int
) -> ReadinessScreen:
    """The op-orde report of one of this municipality's deliveries, once it is released."""
    require(actor, Action.view, municipality_code)
    report, delivery = report_files.report_with_delivery(
        db, actor, report_id, municipality_code=municipality_code
    )
    if report.kind != ReportKind.readiness:
        raise Refused(report_files.NOT_THIS_MUNICIPALITY)
    if report.status != ReportStatus.ready:
        raise Refused(report_files.NOT_YET_RELEASED)
    return readiness_screen(
        ReadinessResult.from_dict(report.content),
        title=f"Op orde rapport {delivery.municipality_code} {delivery.period_code}",
    )


def report_download(db: Session, actor: Actor, municipality_code: str, report_id: int) -> str:
    """The single-use link behind the green arrow."""
    require(actor, Action.view, municipality_code)
    return report_files.grant_report(db, actor, report_id, municipality_code=municipality_code)
