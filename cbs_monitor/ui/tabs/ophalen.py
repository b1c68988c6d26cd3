"""Tab Ophalen: per delivery the Technisch rapport and the Op orde rapport, downloaded with the green arrow."""

from __future__ import annotations

import reflex as rx

from cbs_monitor import routes
from cbs_monitor.services import retrieval
from cbs_monitor.services.readiness_screen import ReadinessScreen
from cbs_monitor.services.retrieval import ReportLink, RetrieveRow
from cbs_monitor.ui import theme
from cbs_monitor.ui.components import data_table, download_arrow, error_notice, notice, status_badge
from cbs_monitor.ui.layout import cbs_monitor_page
from cbs_monitor.ui.portal_state import show_frame
from cbs_monitor.ui.service_call import run
from cbs_monitor.ui.tabs.common import tab_page
from cbs_monitor.ui.tabs.readiness_view import readiness_panel


class RetrieveState(rx.State):
    rows: list[RetrieveRow] = []
    hint: str = ""
    error: str = ""
    readiness: ReadinessScreen | None = None

    @rx.event
    async def load(self):
        outcome = await run(
            self,
            lambda db, context: retrieval.retrieve_page(
                db, context.actor, context.require_municipality()
            ),
            page_load=True,
        )
        await show_frame(self, outcome)
        if outcome.value is not None:
            self.rows, self.hint, self.error = list(outcome.value.rows), outcome.value.hint, ""
        else:
            self.error = outcome.error
        return outcome.event

    @rx.event
    async def view_readiness(self, report_id: int):
        """Show the op-orde report on screen (figures, chart, comparison)."""
        outcome = await run(
            self,
            lambda db, context: retrieval.readiness_on_screen(
                db, context.actor, context.require_municipality(), report_id
            ),
        )
        self.readiness = outcome.value
        self.error = outcome.error
        return outcome.event

    @rx.event
    def close_readiness(self):
        self.readiness = None

    @rx.event
    async def download(self, report_id: int):
        """Grant a single-use link for a report of this municipality and start the download."""
        outcome = await run(
            self,
            lambda db, context: retrieval.report_download(
                db, context.actor, context.require_municipality(), report_id
            ),
        )
        self.error = outcome.error
        if outcome.value is None:
            return outcome.event
        return rx.download(url=outcome.value)


def _report_cell(
    row: rx.Var[RetrieveRow], link: rx.Var[ReportLink], label: str, *extra
) -> rx.Component:
    return rx.el.td(
        rx.hstack(
            rx.vstack(
                status_badge(link.status),
                rx.text(link.date, font_size="0.8rem", color=theme.TEXT_MUTED, class_name="nowrap"),
                spacing="1",
            ),
            rx.cond(
                link.downloadable,
                download_arrow(
                    f"Download {label} van " + row.filename, RetrieveState.download(link.report_id)
                ),
            ),
            *extra,
            align="center",
            spacing="3",
        )
    )


def _row(row: rx.Var[RetrieveRow]) -> rx.Component:
    readiness = row.readiness
    view_button = rx.cond(
        readiness.downloadable,
        rx.icon_button(
            rx.icon("chart-column", size=18),
            variant="soft",
            size="2",
            aria_label="Bekijk Op orde rapport van " + row.filename,
            title="Bekijk op het scherm",
            on_click=RetrieveState.view_readiness(readiness.report_id),
        ),
    )
    return rx.el.tr(
        rx.el.td(
            rx.text(row.filename, font_weight="600", class_name="file-name"),
            rx.cond(row.replaced, rx.badge("vervangen", color_scheme="gray", variant="outline")),
        ),
        rx.el.td(row.period),
        rx.el.td(
            rx.text(row.received, class_name="nowrap"),
            rx.text(row.delivered_by, font_size="0.8rem", color=theme.TEXT_MUTED),
        ),
        _report_cell(row, row.technical, "Technisch rapport"),
        _report_cell(row, readiness, "Op orde rapport", view_button),
        class_name=rx.cond(row.replaced, "replaced", ""),
    )


@cbs_monitor_page(routes.RETRIEVE, "Ophalen")
def retrieve_page() -> rx.Component:
    return rx.vstack(
        rx.text(
            "U ontvangt een notificatie als er een rapport klaarstaat. Klik de groene pijl om het "
            "rapport te downloaden."
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
        readiness_panel(RetrieveState.readiness, RetrieveState.close_readiness),
        spacing="4",
        width="100%",
    )


def register(app: rx.App) -> None:
    tab_page(app, retrieve_page, routes.RETRIEVE, "Ophalen", RetrieveState.load)
