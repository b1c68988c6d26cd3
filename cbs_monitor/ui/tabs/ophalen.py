"""Tab Ophalen: per delivery the Technisch rapport and the Op orde rapport, downloaded with the green arrow."""

from __future__ import annotations

import logging

import reflex as rx

from cbs_monitor import clock, db, routes
from cbs_monitor.models import Delivery, Report, ReportKind, ReportStatus
from cbs_monitor.protocol import ReadinessResult
from cbs_monitor.services import deliveries, downloads, periods
from cbs_monitor.services.permissions import Action, can
from cbs_monitor.ui import theme
from cbs_monitor.ui.components import data_table, download_arrow, error_notice, notice, status_badge
from cbs_monitor.ui.layout import cbs_monitor_page
from cbs_monitor.ui.tabs.common import GENERIC_ERROR, municipal_context, tab_page, to_login
from cbs_monitor.ui.tabs.readiness_view import readiness_panel, screen_model

log = logging.getLogger(__name__)
KIND_FOR_GRANT = {"technisch": "technisch_rapport", "op_orde": "op_orde_rapport"}


def _report_cells(report: Report | None, prefix: str) -> dict[str, str]:
    if report is None:
        return {
            f"{prefix}_status": "—",
            f"{prefix}_date": "",
            f"{prefix}_id": "",
            f"{prefix}_ready": "",
        }
    available = report.status in (ReportStatus.approved, ReportStatus.rejected, ReportStatus.ready)
    return {
        f"{prefix}_status": report.status.value,
        f"{prefix}_date": clock.format_local(report.released_at or report.created_at),
        f"{prefix}_id": str(report.id),
        f"{prefix}_ready": "1" if available else "",
    }


class RetrieveState(rx.State):
    rows: list[dict[str, str]] = []
    hint: str = ""
    error: str = ""
    readiness_open: bool = False
    readiness_title: str = ""
    readiness_notice: str = ""
    readiness_summary: list[dict[str, str]] = []
    readiness_chart: list[dict] = []
    readiness_rows: list[dict[str, str]] = []

    @rx.event
    def load(self):
        context = municipal_context(self)
        if context is None:
            return to_login()
        self.error = ""
        with db.session() as s:
            listed = deliveries.list_for_municipality(s, context.municipality_code)
            self.rows = [
                {
                    "delivery_id": str(row.delivery_id),
                    "filename": row.filename,
                    "period": row.period_code,
                    "received": clock.format_local(row.received_at),
                    "delivered_by": row.delivered_by,
                    "replaced": "1" if row.replaced else "",
                    **_report_cells(row.technical, "tech"),
                    **_report_cells(row.readiness, "ready"),
                }
                for row in listed
            ]
            open_periods = periods.open_delivery_periods(s)
            if open_periods:
                closes = min(p.delivery_closes_on for p in open_periods)
                self.hint = (
                    "Bent u niet tevreden met de gegevens in het op orde rapport? Lever dan vóór het einde van "
                    f"de aanleverperiode ({closes:%d-%m-%Y}) een nieuw bestand aan via het tabblad Aanleveren."
                )
            else:
                self.hint = "De aanleverperiode is gesloten; een nieuw bestand kan in de volgende aanleverperiode."

    def _readiness_for(self, context, report_id: str) -> tuple[Report, Delivery] | None:
        """The op-orde report if it belongs to this municipality and is released; else sets an error."""
        with db.session() as s:
            try:
                report = s.get(Report, int(report_id))
            except (TypeError, ValueError):
                report = None
            delivery = s.get(Delivery, report.delivery_id) if report else None
            if (
                report is None
                or delivery is None
                or report.kind != ReportKind.readiness
                or delivery.municipality_code != context.municipality_code
                or not can(context.actor, Action.view, delivery.municipality_code)
            ):
                self.error = "Dit rapport hoort niet bij deze gemeente."
                return None
            if report.status != ReportStatus.ready:
                self.error = "Dit op orde rapport is nog niet vrijgegeven door CBS."
                return None
            return report, delivery

    @rx.event
    def view_readiness(self, report_id: str):
        """Show the op-orde report on screen (figures, chart, comparison)."""
        context = municipal_context(self)
        if context is None:
            return to_login()
        found = self._readiness_for(context, report_id)
        if found is None:
            return
        report, delivery = found
        model = screen_model(ReadinessResult.from_dict(report.content))
        self.error = ""
        self.readiness_title = (
            f"Op orde rapport {delivery.municipality_code} {delivery.period_code}"
        )
        self.readiness_notice = model["notice"]
        self.readiness_summary = model["summary"]
        self.readiness_chart = model["chart"]
        self.readiness_rows = model["rows"]
        self.readiness_open = True

    @rx.event
    def close_readiness(self):
        self.readiness_open = False

    @rx.event
    def download(self, report_id: str):
        """Grant a single-use link for a report of this municipality and start the download."""
        context = municipal_context(self)
        if context is None:
            return to_login()
        try:
            with db.session() as s:
                report = s.get(Report, int(report_id))
                delivery = s.get(Delivery, report.delivery_id) if report else None
                if (
                    report is None
                    or delivery is None
                    or delivery.municipality_code != context.municipality_code
                    or not can(context.actor, Action.view, delivery.municipality_code)
                ):
                    self.error = "Dit rapport hoort niet bij deze gemeente."
                    return
                if report.kind == ReportKind.readiness and report.status != ReportStatus.ready:
                    self.error = "Dit op orde rapport is nog niet vrijgegeven door CBS."
                    return
                token = downloads.grant(
                    s, context.actor.user_id, KIND_FOR_GRANT[report.kind.value], report_id=report.id
                )
        except (ValueError, TypeError):
            self.error = "Onbekend rapport."
            return
        except Exception:
            log.exception("download grant failed")
            self.error = GENERIC_ERROR
            return
        self.error = ""
        return rx.download(url=routes.download(token))


def _report_cell(row: rx.Var, prefix: str, label: str) -> rx.Component:
    return rx.el.td(
        rx.hstack(
            rx.vstack(
                status_badge(row[f"{prefix}_status"]),
                rx.text(row[f"{prefix}_date"], font_size="0.8rem", color=theme.TEXT_MUTED),
                spacing="1",
            ),
            rx.cond(
                row[f"{prefix}_ready"] == "1",
                download_arrow(
                    f"Download {label} van " + row["filename"],
                    RetrieveState.download(row[f"{prefix}_id"]),
                ),
            ),
            *(
                [
                    rx.cond(
                        row["ready_ready"] == "1",
                        rx.icon_button(
                            rx.icon("chart-column", size=18),
                            variant="soft",
                            size="2",
                            aria_label="Bekijk Op orde rapport van " + row["filename"],
                            title="Bekijk op het scherm",
                            on_click=RetrieveState.view_readiness(row["ready_id"]),
                        ),
                    )
                ]
                if prefix == "ready"
                else []
            ),
            align="center",
            spacing="3",
        )
    )


def _row(row: rx.Var) -> rx.Component:
    return rx.el.tr(
        rx.el.td(
            rx.text(row["filename"], font_weight="600"),
            rx.cond(
                row["replaced"] == "1",
                rx.badge("vervangen", color_scheme="gray", variant="outline"),
            ),
        ),
        rx.el.td(row["period"]),
        rx.el.td(
            row["received"],
            rx.text(row["delivered_by"], font_size="0.8rem", color=theme.TEXT_MUTED),
        ),
        _report_cell(row, "tech", "Technisch rapport"),
        _report_cell(row, "ready", "Op orde rapport"),
        class_name=rx.cond(row["replaced"] == "1", "replaced", ""),
    )


@cbs_monitor_page(routes.RETRIEVE, "Ophalen")
def retrieve_page() -> rx.Component:
    return rx.vstack(
        rx.text(
            "U ontvangt een notificatie als er een rapport klaarstaat. Klik de groene pijl om het rapport "
            "te downloaden."
        ),
        error_notice(RetrieveState.error),
        rx.cond(
            RetrieveState.rows.length() > 0,
            data_table(
                ["Bestand", "Periode", "Aangeleverd", "Technisch rapport", "Op orde rapport"],
                RetrieveState.rows,
                _row,
                id="rapporten",
            ),
            notice("Er zijn nog geen aanleveringen voor deze gemeente.", "info"),
        ),
        rx.text(RetrieveState.hint, color=theme.TEXT_MUTED, font_size="0.9rem", id="ophalen-hint"),
        readiness_panel(RetrieveState),
        spacing="4",
        width="100%",
    )


def register(app: rx.App) -> None:
    tab_page(app, retrieve_page, routes.RETRIEVE, "Ophalen", RetrieveState.load)
