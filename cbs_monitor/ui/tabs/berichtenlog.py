"""Tab Berichtenlog: the messages of the municipality between two dates, paged, and as .xlsx."""

from __future__ import annotations

import datetime as dt
import logging

import reflex as rx

from cbs_monitor import clock, db, routes
from cbs_monitor.services import downloads, messages
from cbs_monitor.ui import theme
from cbs_monitor.ui.components import (
    data_table,
    date_input,
    error_notice,
    notice,
    page_count,
    pager,
)
from cbs_monitor.ui.layout import cbs_monitor_page
from cbs_monitor.ui.tabs.common import GENERIC_ERROR, municipal_context, tab_page, to_login

log = logging.getLogger(__name__)
PAGE_SIZE = 25
MAX_RANGE_DAYS = 3 * 366


def parse_range(start: str, end: str) -> tuple[dt.date, dt.date]:
    """Both dates, checked; raises ValueError with a Dutch message."""
    try:
        first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    except (TypeError, ValueError):
        raise ValueError("Kies een geldige startdatum en einddatum.") from None
    if last < first:
        raise ValueError("De einddatum ligt voor de startdatum.")
    if (last - first).days > MAX_RANGE_DAYS:
        raise ValueError("Kies een periode van maximaal drie jaar.")
    return first, last


class MessageLogState(rx.State):
    start: str = ""
    end: str = ""
    rows: list[dict[str, str]] = []
    total: int = 0
    page: int = 1
    shown: bool = False
    error: str = ""

    @rx.var
    def page_count(self) -> int:
        return page_count(self.total, PAGE_SIZE)

    @rx.event
    def load(self):
        context = municipal_context(self)
        if context is None:
            return to_login()
        today = clock.today()
        if not self.start or not self.end:
            self.start = (today - dt.timedelta(days=30)).isoformat()
            self.end = today.isoformat()
        self.error = ""
        return self._query(context, 1)

    @rx.event
    def set_start(self, value: str):
        self.start = value

    @rx.event
    def set_end(self, value: str):
        self.end = value

    @rx.event
    def show(self):
        context = municipal_context(self)
        if context is None:
            return to_login()
        return self._query(context, 1)

    @rx.event
    def next_page(self):
        context = municipal_context(self)
        if context is None:
            return to_login()
        return self._query(context, min(self.page + 1, self.page_count))

    @rx.event
    def previous_page(self):
        context = municipal_context(self)
        if context is None:
            return to_login()
        return self._query(context, max(self.page - 1, 1))

    def _query(self, context, page: int):
        try:
            first, last = parse_range(self.start, self.end)
        except ValueError as bad:
            self.error = str(bad)
            return
        self.error = ""
        with db.session() as s:
            self.total = messages.count_messages(s, context.municipality_code, first, last)
            self.page = page
            found = messages.list_messages(
                s,
                context.municipality_code,
                first,
                last,
                offset=(page - 1) * PAGE_SIZE,
                limit=PAGE_SIZE,
            )
        self.rows = [
            {
                "when": clock.format_local(m.created_at),
                "kind": messages.kind_label(m.kind),
                "text": m.text,
                "period": m.period_code or "",
            }
            for m in found
        ]
        self.shown = True

    @rx.event
    def download_overview(self):
        context = municipal_context(self)
        if context is None:
            return to_login()
        try:
            first, last = parse_range(self.start, self.end)
        except ValueError as bad:
            self.error = str(bad)
            return
        try:
            with db.session() as s:
                token = downloads.grant(
                    s,
                    context.actor.user_id,
                    "berichtenlog",
                    municipality_code=context.municipality_code,
                    start=first.isoformat(),
                    end=last.isoformat(),
                )
        except Exception:
            log.exception("message log grant failed")
            self.error = GENERIC_ERROR
            return
        return rx.download(url=routes.download(token))


def _row(row: rx.Var) -> rx.Component:
    return rx.el.tr(
        rx.el.td(row["when"], white_space="nowrap"),
        rx.el.td(row["kind"]),
        rx.el.td(row["period"]),
        rx.el.td(row["text"]),
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
            rx.cond(MessageLogState.shown, notice("Geen berichten in deze periode.", "info")),
        ),
        spacing="4",
        width="100%",
    )


def register(app: rx.App) -> None:
    tab_page(app, message_log_page, routes.MESSAGE_LOG, "Berichtenlog", MessageLogState.load)
