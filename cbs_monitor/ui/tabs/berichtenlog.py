"""Tab Berichtenlog: the messages of the municipality between two dates, paged, and as .xlsx."""

from __future__ import annotations

import reflex as rx

from cbs_monitor import dutch, routes
from cbs_monitor.services import message_log
from cbs_monitor.services.message_log import MessageLogView, MessageRow
from cbs_monitor.ui import theme
from cbs_monitor.ui.components import data_table, date_input, error_notice, notice, pager
from cbs_monitor.ui.layout import cbs_monitor_page
from cbs_monitor.ui.portal_state import show_frame
from cbs_monitor.ui.service_call import run
from cbs_monitor.ui.tabs.common import tab_page


class MessageLogState(rx.State):
    start: str = ""
    end: str = ""
    rows: list[MessageRow] = []
    total: int = 0
    page: int = 1
    page_count: int = 1
    shown: bool = False
    error: str = ""

    def _show(self, view: MessageLogView) -> None:
        self.start, self.end = view.start, view.end
        self.rows = list(view.rows)
        self.total, self.page, self.page_count = view.total, view.page, view.page_count
        self.shown = True
        self.error = ""

    async def _query(self, page: int, *, page_load: bool = False):
        start, end = self.start, self.end
        outcome = await run(
            self,
            lambda db, context: message_log.message_log(
                db, context.actor, context.require_municipality(), start, end, page
            ),
            page_load=page_load,
        )
        await show_frame(self, outcome)
        if outcome.value is not None:
            self._show(outcome.value)
        else:
            self.error = outcome.error
        return outcome.event

    @rx.event
    async def load(self):
        return await self._query(1, page_load=True)

    @rx.event
    def set_start(self, value: str):
        self.start = dutch.as_entered(value)

    @rx.event
    def set_end(self, value: str):
        self.end = dutch.as_entered(value)

    @rx.event
    async def show(self):
        return await self._query(1)

    @rx.event
    async def next_page(self):
        return await self._query(self.page + 1)

    @rx.event
    async def previous_page(self):
        return await self._query(self.page - 1)

    @rx.event
    async def download_overview(self):
        start, end = self.start, self.end
        outcome = await run(
            self,
            lambda db, context: message_log.message_log_download(
                db, context.actor, context.require_municipality(), start, end
            ),
        )
        if outcome.value is None:
            self.error = outcome.error
            return outcome.event
        self.error = ""
        return rx.download(url=outcome.value)


def _row(row: rx.Var[MessageRow]) -> rx.Component:
    return rx.el.tr(
        rx.el.td(row.when, white_space="nowrap"),
        rx.el.td(rx.cond(row.is_notification, "✉ " + row.kind, row.kind)),
        rx.el.td(row.period),
        rx.el.td(row.text),
        class_name=rx.cond(row.is_notification, "notification-row", ""),
    )


@cbs_monitor_page(routes.MESSAGE_LOG, "Berichtenlog")
def message_log_page() -> rx.Component:
    return rx.vstack(
        rx.text(
            "Het tabblad Berichtenlog geeft inzicht in uw berichtenstroom binnen het GGk systeem."
        ),
        rx.hstack(
            date_input(
                "Startdatum", "startdatum", MessageLogState.start, MessageLogState.set_start
            ),
            date_input("Einddatum", "einddatum", MessageLogState.end, MessageLogState.set_end),
            rx.button("Tonen", on_click=MessageLogState.show, size="3", id="tonen"),
            rx.button(
                "Download overzicht",
                on_click=MessageLogState.download_overview,
                size="3",
                variant="outline",
                id="download-overzicht",
            ),
            align="end",
            spacing="4",
            wrap="wrap",
        ),
        error_notice(MessageLogState.error),
        rx.cond(
            MessageLogState.rows.length() > 0,
            rx.vstack(
                rx.text(
                    MessageLogState.total,
                    " berichten",
                    color=theme.TEXT_MUTED,
                    id="aantal-berichten",
                ),
                data_table(
                    ["Datum en tijd", "Soort", "Periode", "Bericht"],
                    MessageLogState.rows,
                    _row,
                    id="berichten",
                ),
                pager(
                    MessageLogState.page,
                    MessageLogState.page_count,
                    MessageLogState.previous_page,
                    MessageLogState.next_page,
                ),
                width="100%",
                spacing="3",
            ),
            rx.cond(
                MessageLogState.shown,
                notice("Geen berichten in deze periode.", "info", id="geen-berichten"),
            ),
        ),
        spacing="4",
        width="100%",
    )


def register(app: rx.App) -> None:
    tab_page(app, message_log_page, routes.MESSAGE_LOG, "Berichtenlog", MessageLogState.load)
