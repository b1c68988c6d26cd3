"""Page /cbs: the CBS reviewer's overview of all municipalities of a period, the chart, export and periods."""

from __future__ import annotations

import asyncio
import logging

import reflex as rx

from cbs_monitor import clock, db, routes
from cbs_monitor.services import downloads, periods, review
from cbs_monitor.services.permissions import Action, Actor, can
from cbs_monitor.settings import get_settings
from cbs_monitor.ui import theme
from cbs_monitor.ui.components import (
    GENERIC_ERROR,
    data_table,
    date_input,
    error_notice,
    labelled_select,
    notice,
    page_count,
    pager,
)
from cbs_monitor.ui.layout import page_frame
from cbs_monitor.ui.portal_state import PortalState, resolve_context

log = logging.getLogger(__name__)
PAGE_SIZE = 50
STATUS_COLORS = {
    review.NOT_DELIVERED: "gray",
    review.RECEIVED: "blue",
    review.REJECTED: "red",
    review.APPROVED: "teal",
    review.READY: "green",
}
# Element ids of the status filter buttons (also used by the browser tests).
STATUS_IDS = {
    review.NOT_DELIVERED: "filter-niet-aangeleverd",
    review.RECEIVED: "filter-ontvangen",
    review.REJECTED: "filter-afgekeurd",
    review.APPROVED: "filter-goedgekeurd",
    review.READY: "filter-op-orde",
}


# --- shared by both CBS pages -------------------------------------------------------------


def reviewer(state: rx.State) -> tuple[Actor | None, object]:
    """The CBS reviewer behind this event, from the server-side session; else where to send them."""
    context = resolve_context(state)
    if context is None:
        return None, rx.redirect(routes.LOGIN)
    if not can(context.actor, Action.review):
        return None, rx.redirect(routes.HOME)
    return context.actor, None


def desk_status_badge(status: rx.Var | str, **props) -> rx.Component:
    return rx.badge(
        status,
        color_scheme=rx.match(status, *list(STATUS_COLORS.items()), "gray"),
        variant="soft",
        size="2",
        white_space="nowrap",
        **props,
    )


def overdue_badge() -> rx.Component:
    return rx.badge("te laat", color_scheme="red", variant="solid", size="1")


def report_due_cell(
    status: rx.Var | None, when: rx.Var, due: rx.Var, overdue: rx.Var
) -> rx.Component:
    """A report in a table cell: status (unless shown elsewhere) and date, or the service-level deadline
    while it is owed."""
    first = (
        []
        if status is None
        else [
            rx.cond(
                status != "",
                rx.text(status, font_size="0.85rem"),
                rx.text("—", color=theme.TEXT_MUTED),
            )
        ]
    )
    return rx.vstack(
        *first,
        rx.cond(when != "", rx.text(when, font_size="0.8rem", color=theme.TEXT_MUTED)),
        rx.cond(
            due != "",
            rx.hstack(
                rx.text(
                    "uiterlijk ",
                    rx.el.span(due, white_space="nowrap"),
                    font_size="0.8rem",
                    color=rx.cond(overdue == "1", theme.DANGER, theme.TEXT_MUTED),
                ),
                rx.cond(overdue == "1", overdue_badge()),
                spacing="1",
                align="center",
                wrap="wrap",
            ),
        ),
        spacing="0",
    )


def desk_header(subtitle: rx.Component | str) -> rx.Component:
    return rx.vstack(
        rx.heading("CBS-beoordeling", size="7", color=theme.PRIMARY, as_="h1"),
        subtitle
        if isinstance(subtitle, rx.Component)
        else rx.text(subtitle, color=theme.TEXT_MUTED),
        spacing="1",
        width="100%",
    )


def _overview_page(actor: Actor, query: dict, chart: bool):
    """One page of the overview (+ the daily chart); plain blocking work, run in a thread."""
    with db.session() as s:
        rows, total, counts = review.overview(s, actor, **query)
        activity = review.daily_activity(s, actor, query["period_code"]) if chart else []
    return rows, total, counts, activity


def _report_cells(summary: review.ReportSummary | None, prefix: str) -> dict[str, str]:
    if summary is None:
        return {
            f"{prefix}_status": "",
            f"{prefix}_date": "",
            f"{prefix}_due": "",
            f"{prefix}_overdue": "",
        }
    owed = summary.status in review.service_levels.OPEN_STATUSES
    return {
        f"{prefix}_status": summary.status.value,
        f"{prefix}_date": "" if owed else clock.format_local(summary.shown_at),
        f"{prefix}_due": clock.format_local(summary.due_at, with_time=False) if owed else "",
        f"{prefix}_overdue": "1" if summary.overdue else "",
    }


def _row_cells(row: review.OverviewRow) -> dict[str, str]:
    return {
        "code": row.code,
        "name": row.name,
        "href": routes.cbs_municipality(row.code),
        "status": row.status,
        "filename": row.filename,
        "received": clock.format_local(row.received_at),
        "count": str(row.delivery_count) if row.delivery_count > 1 else "",
        "delivered_by": row.delivered_by,
        "by_cooperative": "1" if row.delivered_by_cooperative else "",
        "delegating": "1" if row.delegating else "",
        "overridden": "1" if row.overridden else "",
        "held": "1" if row.held else "",
        "overdue": "1" if row.overdue else "",
        "withdrawn": ", ".join(row.withdrawn_parts),
        **_report_cells(row.technical, "tech"),
        **_report_cells(row.readiness, "ready"),
    }


class CbsDeskState(rx.State):
    """The overview holds one page of rows; the filters live here and every event re-checks the reviewer."""

    period_code: str = ""
    period_options: list[str] = []
    status_filter: str = ""
    search: str = ""
    overdue_only: bool = False
    held_only: bool = False
    sort: str = review.DEFAULT_SORT
    page: int = 1
    total: int = 0
    rows: list[dict[str, str]] = []
    counts: list[dict[str, str]] = []
    all_count: int = 0
    overdue_count: int = 0
    held_count: int = 0
    chart: list[dict[str, str | int]] = []
    release_mode: str = ""
    error: str = ""

    @rx.var
    def page_count(self) -> int:
        return page_count(self.total, PAGE_SIZE)

    @rx.var
    def shown_range(self) -> str:
        if self.total == 0:
            return "Geen gemeenten"
        first = (self.page - 1) * PAGE_SIZE + 1
        return f"{first}–{min(self.page * PAGE_SIZE, self.total)} van {self.total} gemeenten"

    @rx.event
    async def load(self):
        actor, away = reviewer(self)
        if actor is None:
            return away
        mode = get_settings().readiness_release
        self.release_mode = (
            "na beoordeling door CBS"
            if mode == "review"
            else "automatisch na technische goedkeuring"
        )
        try:
            with db.session() as s:
                self.period_options = [p.code for p in review.period_list(s, actor)]
                if self.period_code not in self.period_options:
                    self.period_code = review.default_period(s) or ""
        except Exception:
            log.exception("cbs desk load failed")
            self.error = GENERIC_ERROR
            return
        await self._refresh(actor, chart=True)

    async def _refresh(self, actor: Actor, *, chart: bool = False):
        """Query one page of rows (and the chart when the period changed). The query runs in a
        thread: with thousands of deliveries it takes tens of ms that other users should not wait."""
        if not self.period_code:
            self.rows, self.total, self.counts = [], 0, []
            return
        query = {
            "period_code": self.period_code,
            "status": self.status_filter or None,
            "search": self.search,
            "overdue_only": self.overdue_only,
            "held_only": self.held_only,
            "sort": self.sort,
            "offset": (self.page - 1) * PAGE_SIZE,
            "limit": PAGE_SIZE,
        }
        try:
            rows, total, counts, activity = await asyncio.to_thread(
                _overview_page, actor, query, chart
            )
        except review.ReviewRefused as refused:
            self.error = str(refused)
            return
        except Exception:
            log.exception("cbs overview failed")
            self.error = GENERIC_ERROR
            return
        self.error = ""
        if chart:
            self.chart = activity
        self.total = total
        self.rows = [_row_cells(r) for r in rows]
        self.counts = [
            {"status": status, "count": str(counts.by_status[status]), "id": STATUS_IDS[status]}
            for status in review.STATUSES
        ]
        self.all_count = counts.total
        self.overdue_count = counts.overdue
        self.held_count = counts.held

    async def _filter_changed(self, **changes):
        """Apply new filter values (only for a reviewer) and show their first page."""
        actor, away = reviewer(self)
        if actor is None:
            return away
        for name, value in changes.items():
            setattr(self, name, value)
        self.page = 1
        await self._refresh(actor)

    @rx.event
    async def choose_period(self, code: str):
        actor, away = reviewer(self)
        if actor is None:
            return away
        if code not in self.period_options:
            self.error = "Onbekende verslagperiode."
            return
        self.period_code = code
        self.page = 1
        await self._refresh(actor, chart=True)

    @rx.event
    async def choose_status(self, status: str):
        if status and status not in review.STATUSES:
            self.error = "Onbekende status."
            return
        return await self._filter_changed(status_filter=status)

    @rx.event
    async def toggle_overdue(self):
        return await self._filter_changed(overdue_only=not self.overdue_only)

    @rx.event
    async def toggle_held(self):
        return await self._filter_changed(held_only=not self.held_only)

    @rx.event
    async def choose_sort(self, value: str):
        if str(value).lstrip("-") not in review.SORTS:
            self.error = "Onbekende sortering."
            return
        return await self._filter_changed(sort=value)

    @rx.event
    async def apply_search(self, form: dict):
        return await self._filter_changed(search=str(form.get("zoek", "")).strip()[:100])

    @rx.event
    async def clear_filters(self):
        return await self._filter_changed(
            status_filter="", search="", overdue_only=False, held_only=False
        )

    @rx.event
    async def next_page(self):
        actor, away = reviewer(self)
        if actor is None:
            return away
        self.page = min(self.page + 1, self.page_count)
        await self._refresh(actor)

    @rx.event
    async def previous_page(self):
        actor, away = reviewer(self)
        if actor is None:
            return away
        self.page = max(self.page - 1, 1)
        await self._refresh(actor)

    @rx.event
    def export(self):
        """The overview with the current filters as .xlsx, through a single-use download link."""
        actor, away = reviewer(self)
        if actor is None:
            return away
        try:
            with db.session() as s:
                token = downloads.grant(
                    s,
                    actor.user_id,
                    review.EXPORT_KIND,
                    period_code=self.period_code,
                    status=self.status_filter,
                    search=self.search,
                    overdue_only=self.overdue_only,
                    held_only=self.held_only,
                    sort=self.sort,
                )
        except Exception:
            log.exception("cbs export grant failed")
            self.error = GENERIC_ERROR
            return
        return rx.download(url=routes.download(token))


class CbsPeriodState(rx.State):
    """Creating a verslagperiode and setting its windows (the scheduler reads them from the database)."""

    rows: list[dict[str, str]] = []
    editing: str = ""  # "" = a new period
    code: str = ""
    delivery_opens_on: str = ""
    delivery_closes_on: str = ""
    withdrawal_opens_on: str = ""
    withdrawal_closes_on: str = ""
    publication_date: str = ""
    error: str = ""
    saved: str = ""

    def _fill(self, actor: Actor) -> None:
        today = clock.today()
        with db.session() as s:
            found = review.period_list(s, actor)
        self.rows = [
            {
                "code": p.code,
                "delivery": periods.format_window(p.delivery_opens_on, p.delivery_closes_on),
                "withdrawal": periods.format_window(p.withdrawal_opens_on, p.withdrawal_closes_on),
                "publication": f"{p.publication_date:%d-%m-%Y}" if p.publication_date else "—",
                "state": (
                    "aanleverperiode open"
                    if periods.delivery_open(p, today)
                    else "intrekperiode open"
                    if periods.withdrawal_open(p, today)
                    else ""
                ),
            }
            for p in found
        ]

    @rx.event
    def load(self):
        actor, away = reviewer(self)
        if actor is None:
            return away
        try:
            self._fill(actor)
        except Exception:
            log.exception("period list failed")
            self.error = GENERIC_ERROR

    @rx.event
    def new_period(self):
        actor, away = reviewer(self)
        if actor is None:
            return away
        self.editing = ""
        self.code = self.delivery_opens_on = self.delivery_closes_on = ""
        self.withdrawal_opens_on = self.withdrawal_closes_on = self.publication_date = ""
        self.error = self.saved = ""

    @rx.event
    def edit(self, code: str):
        actor, away = reviewer(self)
        if actor is None:
            return away
        with db.session() as s:
            period = s.get(review.ReportingPeriod, code)
        if period is None:
            self.error = "Onbekende verslagperiode."
            return
        self.editing = self.code = period.code
        self.delivery_opens_on = period.delivery_opens_on.isoformat()
        self.delivery_closes_on = period.delivery_closes_on.isoformat()
        self.withdrawal_opens_on = period.withdrawal_opens_on.isoformat()
        self.withdrawal_closes_on = period.withdrawal_closes_on.isoformat()
        self.publication_date = (
            period.publication_date.isoformat() if period.publication_date else ""
        )
        self.error = self.saved = ""

    # Explicit setters (state_auto_setters is off); values are only text until save() checks them.
    @rx.event
    def set_code(self, value: str):
        self.code = value[:6]

    @rx.event
    def set_delivery_opens_on(self, value: str):
        self.delivery_opens_on = value[:10]

    @rx.event
    def set_delivery_closes_on(self, value: str):
        self.delivery_closes_on = value[:10]

    @rx.event
    def set_withdrawal_opens_on(self, value: str):
        self.withdrawal_opens_on = value[:10]

    @rx.event
    def set_withdrawal_closes_on(self, value: str):
        self.withdrawal_closes_on = value[:10]

    @rx.event
    def set_publication_date(self, value: str):
        self.publication_date = value[:10]

    @rx.event
    def save(self):
        actor, away = reviewer(self)
        if actor is None:
            return away
        values = {
            "delivery_opens_on": self.delivery_opens_on,
            "delivery_closes_on": self.delivery_closes_on,
            "withdrawal_opens_on": self.withdrawal_opens_on,
            "withdrawal_closes_on": self.withdrawal_closes_on,
            "publication_date": self.publication_date,
        }
        try:
            with db.session() as s:
                if self.editing:
                    period = review.update_period(s, actor, self.editing, **values)
                else:
                    period = review.create_period(s, actor, self.code, **values)
                code = period.code
        except review.ReviewRefused as refused:
            self.error, self.saved = str(refused), ""
            return
        except Exception:
            log.exception("period save failed")
            self.error, self.saved = GENERIC_ERROR, ""
            return
        self.error = ""
        self.saved = f"Verslagperiode {code} is opgeslagen. De planner neemt de vensters over."
        self.editing = code
        self._fill(actor)
        return CbsDeskState.load


# --- components -----------------------------------------------------------------------------


def _filter_button(label, count, active, on_click, element_id: str) -> rx.Component:
    return rx.button(
        label,
        " ",
        rx.badge(count, variant="surface", color_scheme="gray"),
        on_click=on_click,
        variant=rx.cond(active, "solid", "outline"),
        color_scheme="indigo",
        size="2",
        id=element_id,
        aria_pressed=rx.cond(active, "true", "false"),
    )


def _filters() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            _filter_button(
                "Alle",
                CbsDeskState.all_count,
                CbsDeskState.status_filter == "",
                CbsDeskState.choose_status(""),
                "filter-alle",
            ),
            rx.foreach(
                CbsDeskState.counts,
                lambda c: _filter_button(
                    c["status"],
                    c["count"],
                    CbsDeskState.status_filter == c["status"],
                    CbsDeskState.choose_status(c["status"]),
                    c["id"],
                ),
            ),
            spacing="2",
            wrap="wrap",
            role="group",
            aria_label="Filter op status",
        ),
        rx.hstack(
            rx.button(
                rx.icon("alarm-clock", size=16),
                "Te laat ",
                rx.badge(CbsDeskState.overdue_count, variant="surface", color_scheme="gray"),
                on_click=CbsDeskState.toggle_overdue,
                color_scheme="red",
                size="2",
                id="filter-te-laat",
                variant=rx.cond(CbsDeskState.overdue_only, "solid", "outline"),
                aria_pressed=rx.cond(CbsDeskState.overdue_only, "true", "false"),
            ),
            rx.button(
                rx.icon("hourglass", size=16),
                "Wacht op vrijgave ",
                rx.badge(CbsDeskState.held_count, variant="surface", color_scheme="gray"),
                on_click=CbsDeskState.toggle_held,
                color_scheme="amber",
                size="2",
                id="filter-vrijgave",
                variant=rx.cond(CbsDeskState.held_only, "solid", "outline"),
                aria_pressed=rx.cond(CbsDeskState.held_only, "true", "false"),
            ),
            rx.form(
                rx.hstack(
                    rx.el.label(
                        "Zoek gemeente",
                        html_for="zoek",
                        style={"position": "absolute", "left": "-9999px"},
                    ),
                    rx.el.input(
                        name="zoek",
                        id="zoek",
                        type="search",
                        placeholder="Gemeente of code",
                        default_value=CbsDeskState.search,
                        style={
                            "padding": "0.35rem 0.6rem",
                            "border": f"1px solid {theme.BORDER}",
                            "border_radius": "4px",
                            "width": "13rem",
                        },
                    ),
                    rx.button("Zoeken", type="submit", size="2", variant="soft", id="zoeken"),
                    spacing="2",
                    align="center",
                ),
                on_submit=CbsDeskState.apply_search,
                reset_on_submit=False,
                width="auto",  # a form is full width by default, which breaks the filter row
            ),
            rx.hstack(
                rx.el.label("Sorteer", html_for="sorteer", font_weight="600", font_size="0.9rem"),
                rx.el.select(
                    *[rx.el.option(label, value=key) for key, label in review.SORTS.items()],
                    id="sorteer",
                    value=CbsDeskState.sort,
                    on_change=CbsDeskState.choose_sort,
                    style={
                        "padding": "0.35rem 0.5rem",
                        "border": f"1px solid {theme.BORDER}",
                        "border_radius": "4px",
                    },
                ),
                align="center",
                spacing="2",
            ),
            width="100%",
            spacing="3",
            align="center",
            wrap="wrap",
        ),
        spacing="3",
        width="100%",
    )


def _row(row: rx.Var) -> rx.Component:
    return rx.el.tr(
        rx.el.td(
            rx.link(row["name"], href=row["href"], font_weight="600"),
            rx.text(row["code"], font_size="0.8rem", color=theme.TEXT_MUTED),
            rx.cond(
                row["delegating"] == "1",
                rx.badge("delegerend", color_scheme="purple", variant="outline", size="1"),
            ),
        ),
        rx.el.td(
            rx.vstack(
                desk_status_badge(row["status"]),
                rx.cond(
                    row["overridden"] == "1",
                    rx.text("oordeel door CBS", font_size="0.75rem", color=theme.WARNING),
                ),
                rx.cond(row["overdue"] == "1", overdue_badge()),
                spacing="1",
            ),
        ),
        rx.el.td(
            rx.cond(
                row["filename"] != "",
                rx.vstack(
                    rx.text(row["received"], white_space="nowrap"),
                    rx.text(
                        row["filename"],
                        font_size="0.8rem",
                        color=theme.TEXT_MUTED,
                        word_break="break-all",
                    ),
                    rx.cond(
                        row["count"] != "",
                        rx.text(
                            row["count"], " bestanden", font_size="0.8rem", color=theme.TEXT_MUTED
                        ),
                    ),
                    spacing="0",
                ),
                rx.text("—", color=theme.TEXT_MUTED),
            ),
        ),
        rx.el.td(
            report_due_cell(
                row["tech_status"], row["tech_date"], row["tech_due"], row["tech_overdue"]
            )
        ),
        rx.el.td(
            report_due_cell(
                row["ready_status"], row["ready_date"], row["ready_due"], row["ready_overdue"]
            )
        ),
        rx.el.td(
            rx.cond(
                row["withdrawn"] != "",
                rx.text(row["withdrawn"], font_size="0.85rem"),
                rx.text("—", color=theme.TEXT_MUTED),
            )
        ),
        rx.el.td(
            rx.text(row["delivered_by"], font_size="0.85rem"),
            rx.cond(
                row["by_cooperative"] == "1",
                rx.text("samenwerkingsverband", font_size="0.75rem", color=theme.TEXT_MUTED),
            ),
        ),
        class_name=rx.cond(row["overdue"] == "1", "overdue-row", ""),
        style=rx.cond(row["overdue"] == "1", {"background": "#fdf1f0"}, {}),
    )


def _chart() -> rx.Component:
    return rx.box(
        rx.heading(
            "Aanleveringen per dag in de aanleverperiode",
            size="3",
            as_="h3",
            margin_bottom="0.5rem",
        ),
        rx.recharts.composed_chart(
            rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
            rx.recharts.x_axis(
                data_key="dag", interval="preserveStartEnd", tick_size=4, min_tick_gap=12
            ),
            rx.recharts.y_axis(allow_decimals=False, width=36),
            rx.recharts.graphing_tooltip(),
            rx.recharts.legend(),
            rx.recharts.bar(
                data_key="aanleveringen",
                name="Aanleveringen",
                fill="#7aa0cc",
                is_animation_active=False,
            ),
            rx.recharts.bar(
                data_key="goedgekeurd",
                name="Technisch goedgekeurd",
                fill=theme.ACCENT_GREEN,
                is_animation_active=False,
            ),
            rx.recharts.line(
                data_key="op_orde",
                name="Op orde gereed",
                stroke="#b35c00",
                stroke_width=2,
                dot=False,
                type_="monotone",
                is_animation_active=False,
            ),
            data=CbsDeskState.chart,
            width="100%",
            height=240,
        ),
        style=theme.card,
        id="grafiek",
        role="figure",
        aria_label="Grafiek van aanleveringen en goedkeuringen per dag",
    )


def _overview() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            labelled_select(
                "Verslagperiode",
                "periode",
                CbsDeskState.period_options,
                CbsDeskState.period_code,
                CbsDeskState.choose_period,
            ),
            rx.spacer(),
            rx.button(
                rx.icon("file-spreadsheet", size=16),
                "Exporteer naar Excel",
                on_click=CbsDeskState.export,
                variant="outline",
                size="2",
                id="exporteer",
            ),
            width="100%",
            align="center",
            spacing="4",
            wrap="wrap",
        ),
        rx.text(
            "Vrijgave op orde rapporten: ",
            rx.el.strong(CbsDeskState.release_mode),
            font_size="0.9rem",
            color=theme.TEXT_MUTED,
            id="vrijgave-instelling",
        ),
        error_notice(CbsDeskState.error),
        _chart(),
        rx.box(
            _filters(),
            rx.box(
                data_table(
                    [
                        "Gemeente",
                        "Status",
                        "Laatste aanlevering",
                        "Technisch rapport",
                        "Op orde rapport",
                        "Ingetrokken",
                        "Geleverd door",
                    ],
                    CbsDeskState.rows,
                    _row,
                    id="overzicht",
                ),
                overflow_x="auto",
                width="100%",
                margin_top="1rem",
            ),
            rx.cond(
                CbsDeskState.total == 0,
                notice("Geen gemeenten gevonden met deze filters.", "info", margin_top="1rem"),
            ),
            pager(
                CbsDeskState.page,
                CbsDeskState.page_count,
                CbsDeskState.previous_page,
                CbsDeskState.next_page,
                rx.spacer(),
                rx.text(CbsDeskState.shown_range, color=theme.TEXT_MUTED, id="aantal-gemeenten"),
                rx.cond(
                    (CbsDeskState.status_filter != "")
                    | CbsDeskState.overdue_only
                    | CbsDeskState.held_only
                    | (CbsDeskState.search != ""),
                    rx.button(
                        "Filters wissen",
                        on_click=CbsDeskState.clear_filters,
                        variant="ghost",
                        size="2",
                        id="filters-wissen",
                    ),
                ),
                previous_id="vorige",
                next_id="volgende",
                margin_top="0.75rem",
            ),
            style=theme.card,
        ),
        spacing="4",
        width="100%",
    )


def _period_row(row: rx.Var) -> rx.Component:
    return rx.el.tr(
        rx.el.td(
            rx.text(row["code"], font_weight="600"),
            rx.cond(
                row["state"] != "", rx.badge(row["state"], color_scheme="green", variant="soft")
            ),
        ),
        rx.el.td(row["delivery"]),
        rx.el.td(row["withdrawal"]),
        rx.el.td(row["publication"]),
        rx.el.td(
            rx.button(
                "Wijzigen",
                size="1",
                variant="soft",
                on_click=CbsPeriodState.edit(row["code"]),
                aria_label="Wijzig verslagperiode " + row["code"],
            )
        ),
    )


def _periods() -> rx.Component:
    return rx.vstack(
        data_table(
            ["Verslagperiode", "Aanleverperiode", "Intrekperiode", "Publicatie", ""],
            CbsPeriodState.rows,
            _period_row,
            id="perioden",
        ),
        rx.box(
            rx.hstack(
                rx.heading(
                    rx.cond(
                        CbsPeriodState.editing != "",
                        "Verslagperiode " + CbsPeriodState.editing + " wijzigen",
                        "Nieuwe verslagperiode",
                    ),
                    size="4",
                    as_="h3",
                ),
                rx.spacer(),
                rx.cond(
                    CbsPeriodState.editing != "",
                    rx.button(
                        "Nieuwe periode",
                        on_click=CbsPeriodState.new_period,
                        variant="ghost",
                        size="2",
                    ),
                ),
                width="100%",
                align="center",
            ),
            rx.cond(
                CbsPeriodState.editing == "",
                rx.vstack(
                    rx.el.label(
                        "Code (bijvoorbeeld 2027H1)",
                        html_for="periode-code",
                        font_weight="600",
                        font_size="0.9rem",
                    ),
                    rx.el.input(
                        id="periode-code",
                        value=CbsPeriodState.code,
                        on_change=CbsPeriodState.set_code,
                        placeholder="JJJJH1",
                        style={
                            "padding": "0.4rem 0.5rem",
                            "border": f"1px solid {theme.BORDER}",
                            "border_radius": "4px",
                            "width": "8rem",
                        },
                    ),
                    spacing="1",
                    margin_top="0.75rem",
                ),
            ),
            rx.hstack(
                date_input(
                    "Aanleverperiode open op",
                    "aanlever-open",
                    CbsPeriodState.delivery_opens_on,
                    CbsPeriodState.set_delivery_opens_on,
                ),
                date_input(
                    "Aanleverperiode sluit op",
                    "aanlever-sluit",
                    CbsPeriodState.delivery_closes_on,
                    CbsPeriodState.set_delivery_closes_on,
                ),
                date_input(
                    "Intrekperiode open op",
                    "intrek-open",
                    CbsPeriodState.withdrawal_opens_on,
                    CbsPeriodState.set_withdrawal_opens_on,
                ),
                date_input(
                    "Intrekperiode sluit op",
                    "intrek-sluit",
                    CbsPeriodState.withdrawal_closes_on,
                    CbsPeriodState.set_withdrawal_closes_on,
                ),
                date_input(
                    "Publicatiedatum",
                    "publicatie",
                    CbsPeriodState.publication_date,
                    CbsPeriodState.set_publication_date,
                ),
                spacing="4",
                wrap="wrap",
                margin_top="0.75rem",
            ),
            error_notice(CbsPeriodState.error, margin_top="0.75rem"),
            rx.cond(
                CbsPeriodState.saved != "",
                notice(
                    CbsPeriodState.saved, "success", margin_top="0.75rem", id="periode-opgeslagen"
                ),
            ),
            rx.button(
                "Opslaan",
                on_click=CbsPeriodState.save,
                size="3",
                margin_top="1rem",
                id="periode-opslaan",
                style={"background": theme.PRIMARY},
            ),
            style=theme.card,
        ),
        spacing="4",
        width="100%",
    )


def cbs_desk_page() -> rx.Component:
    return page_frame(
        rx.vstack(
            desk_header(
                "Alle gemeenten van een verslagperiode: aanleveringen, rapporten, termijnen en "
                "intrekkingen."
            ),
            rx.tabs.root(
                rx.tabs.list(
                    rx.tabs.trigger("Overzicht", value="overzicht", id="tab-overzicht"),
                    rx.tabs.trigger("Verslagperioden", value="perioden", id="tab-perioden"),
                ),
                rx.tabs.content(_overview(), value="overzicht", padding_top="1rem"),
                rx.tabs.content(_periods(), value="perioden", padding_top="1rem"),
                default_value="overzicht",
                width="100%",
            ),
            spacing="4",
            width="100%",
        )
    )


def register(app: rx.App) -> None:
    app.add_page(
        cbs_desk_page,
        route=routes.CBS_DESK,
        title="CBS-beoordeling | CBS Monitor",
        on_load=[PortalState.load, CbsDeskState.load, CbsPeriodState.load],
    )
