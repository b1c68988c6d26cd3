"""Page /cbs: the CBS reviewer's overview of all municipalities of a period, the chart, export and periods."""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from cbs_monitor import routes
from cbs_monitor.services import report_files
from cbs_monitor.services.review import desk, overview
from cbs_monitor.services.review.desk import DeskRow, DeskView, OverviewQuery
from cbs_monitor.services.review.overview import ChartDay
from cbs_monitor.ui import theme
from cbs_monitor.ui.components import data_table, error_notice, labelled_select, notice, pager
from cbs_monitor.ui.desk_components import (
    desk_header,
    desk_status_badge,
    overdue_badge,
    report_due_cell,
)
from cbs_monitor.ui.layout import page_frame
from cbs_monitor.ui.pages.cbs_periods import CbsPeriodState, periods_tab
from cbs_monitor.ui.portal_state import show_frame
from cbs_monitor.ui.service_call import run

# Element ids of the status filter buttons (also used by the browser tests).
STATUS_IDS = {
    overview.NOT_DELIVERED: "filter-niet-aangeleverd",
    overview.RECEIVED: "filter-ontvangen",
    overview.TECHNICAL_ERROR: "filter-technische-fout",
    overview.REJECTED: "filter-afgekeurd",
    overview.APPROVED: "filter-goedgekeurd",
    overview.READY: "filter-op-orde",
}


class CbsDeskState(rx.State):
    """The reviewer's filters and one page of the overview, as the review service returns them."""

    query: OverviewQuery = OverviewQuery()
    view: DeskView | None = None
    chart: list[ChartDay] = []
    error: str = ""

    async def _refresh(self, query: OverviewQuery, *, chart: bool = False, page_load: bool = False):
        outcome = await run(
            self,
            lambda db, context: desk.desk_view(db, context.actor, query, with_chart=chart),
            page_load=page_load,
        )
        await show_frame(self, outcome)
        if outcome.value is None:
            self.error = outcome.error
            return outcome.event
        self.view, self.query, self.error = outcome.value, outcome.value.query, ""
        if chart:
            self.chart = list(outcome.value.chart)
        return None

    async def _filter(self, **changes: Any):
        """New filter values, from their first page."""
        return await self._refresh(dataclasses.replace(self.query, page=1, **changes))

    @rx.event
    async def load(self):
        return await self._refresh(self.query, chart=True, page_load=True)

    @rx.event
    async def choose_period(self, code: str):
        return await self._refresh(
            dataclasses.replace(self.query, period_code=code, page=1), chart=True
        )

    @rx.event
    async def choose_status(self, status: str):
        return await self._filter(status=status)

    @rx.event
    async def toggle_overdue(self):
        return await self._filter(overdue_only=not self.query.overdue_only)

    @rx.event
    async def toggle_held(self):
        return await self._filter(held_only=not self.query.held_only)

    @rx.event
    async def choose_sort(self, value: str):
        return await self._filter(sort=value)

    @rx.event
    async def apply_search(self, form: dict):
        return await self._filter(search=str(form.get("zoek", "")).strip()[:100])

    @rx.event
    async def clear_filters(self):
        return await self._filter(status="", search="", overdue_only=False, held_only=False)

    @rx.event
    async def next_page(self):
        return await self._refresh(dataclasses.replace(self.query, page=self.query.page + 1))

    @rx.event
    async def previous_page(self):
        return await self._refresh(dataclasses.replace(self.query, page=self.query.page - 1))

    @rx.event
    async def export(self):
        """The overview with the current filters as .xlsx, through a single-use download link."""
        q = self.query
        export = report_files.OverviewExport(
            period_code=q.period_code,
            status=q.status,
            search=q.search,
            overdue_only=q.overdue_only,
            held_only=q.held_only,
            sort=q.sort,
        )
        outcome = await run(
            self,
            lambda db, context: report_files.grant_overview_export(db, context.actor, export),
        )
        self.error = outcome.error
        if outcome.value is None:
            return outcome.event
        return rx.download(url=outcome.value)


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


def _toggle(icon: str, label: str, count, active, on_click, color: str, element_id: str):
    return rx.button(
        rx.icon(icon, size=16),
        label + " ",
        rx.badge(count, variant="surface", color_scheme="gray"),
        on_click=on_click,
        color_scheme=color,
        size="2",
        id=element_id,
        variant=rx.cond(active, "solid", "outline"),
        aria_pressed=rx.cond(active, "true", "false"),
    )


def _filters() -> rx.Component:
    view, query = CbsDeskState.view, CbsDeskState.query
    status_buttons = [
        _filter_button(
            status,
            view.status_counts[index].count,
            query.status == status,
            CbsDeskState.choose_status(status),
            STATUS_IDS[status],
        )
        for index, status in enumerate(overview.STATUSES)
    ]
    return rx.vstack(
        rx.hstack(
            _filter_button(
                "Alle",
                view.all_count,
                query.status == "",
                CbsDeskState.choose_status(""),
                "filter-alle",
            ),
            *status_buttons,
            spacing="2",
            wrap="wrap",
            role="group",
            aria_label="Filter op status",
        ),
        rx.hstack(
            _toggle(
                "alarm-clock",
                "Te laat",
                view.overdue_count,
                query.overdue_only,
                CbsDeskState.toggle_overdue,
                "red",
                "filter-te-laat",
            ),
            _toggle(
                "hourglass",
                "Wacht op vrijgave",
                view.held_count,
                query.held_only,
                CbsDeskState.toggle_held,
                "amber",
                "filter-vrijgave",
            ),
            rx.form(
                rx.hstack(
                    rx.el.label("Zoek gemeente", html_for="zoek", class_name="visually-hidden"),
                    rx.el.input(
                        name="zoek",
                        id="zoek",
                        type="search",
                        placeholder="Gemeente of code",
                        default_value=query.search,
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
                    *[rx.el.option(label, value=key) for key, label in overview.SORTS.items()],
                    id="sorteer",
                    value=query.sort,
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


def _muted(text, size: str = "0.8rem", **props) -> rx.Component:
    return rx.text(text, font_size=size, color=theme.TEXT_MUTED, **props)


def _row(row: rx.Var[DeskRow]) -> rx.Component:
    return rx.el.tr(
        rx.el.td(
            rx.link(row.name, href=routes.CBS_DESK + "/gemeente/" + row.code, font_weight="600"),
            _muted(row.code),
            rx.cond(
                row.delegating,
                rx.badge("delegerend", color_scheme="purple", variant="outline", size="1"),
            ),
        ),
        rx.el.td(
            rx.vstack(
                desk_status_badge(row.status),
                rx.cond(
                    row.overridden,
                    rx.text("oordeel door CBS", font_size="0.75rem", color=theme.WARNING),
                ),
                rx.cond(row.overdue, overdue_badge()),
                spacing="1",
            ),
        ),
        rx.el.td(
            rx.cond(
                row.filename != "",
                rx.vstack(
                    rx.text(row.received, white_space="nowrap"),
                    _muted(row.filename, class_name="file-name"),
                    rx.cond(row.file_count != "", _muted(row.file_count)),
                    rx.cond(
                        row.newer_rejected_filename != "",
                        rx.text(
                            "Nieuwer bestand afgekeurd: ",
                            row.newer_rejected_filename,
                            font_size="0.75rem",
                            color=theme.DANGER,
                            class_name="file-name",
                        ),
                    ),
                    spacing="0",
                ),
                rx.text("—", color=theme.TEXT_MUTED),
            ),
        ),
        rx.el.td(report_due_cell(row.technical)),
        rx.el.td(report_due_cell(row.readiness)),
        rx.el.td(
            rx.cond(
                row.withdrawn != "",
                rx.text(row.withdrawn, font_size="0.85rem"),
                rx.text("—", color=theme.TEXT_MUTED),
            )
        ),
        rx.el.td(
            rx.text(row.delivered_by, font_size="0.85rem"),
            rx.cond(row.by_cooperative, _muted("samenwerkingsverband", "0.75rem")),
        ),
        class_name=rx.cond(row.overdue, "overdue-row", ""),
    )


def _chart() -> rx.Component:
    return rx.box(
        rx.heading(
            "Aanleveringen per dag in de aanleverperiode",
            size="3",
            as_="h3",
            margin_bottom="0.5rem",
        ),
        # Bars per day for all three (a smoothed line suggested activity on days without any);
        # dark colours, so the legend's text keeps its contrast; room for the last date label.
        rx.recharts.bar_chart(
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
                fill=theme.PRIMARY,
                is_animation_active=False,
            ),
            rx.recharts.bar(
                data_key="goedgekeurd",
                name="Technisch goedgekeurd",
                fill=theme.ACCENT_GREEN,
                is_animation_active=False,
            ),
            rx.recharts.bar(
                data_key="op_orde",
                name="Op orde gereed",
                fill=theme.WARNING,
                is_animation_active=False,
            ),
            data=CbsDeskState.chart.to(list[dict[str, Any]]),
            width="100%",
            height=240,
            margin={"top": 8, "right": 28, "left": 0, "bottom": 0},
        ),
        style=theme.card,
        id="grafiek",
        role="figure",
        aria_label="Grafiek van aanleveringen en goedkeuringen per dag",
    )


def _overview() -> rx.Component:
    view, query = CbsDeskState.view, CbsDeskState.query
    return rx.vstack(
        rx.hstack(
            labelled_select(
                "Verslagperiode",
                "periode",
                view.period_options,
                query.period_code,
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
            "Vrijgave Op orde rapporten: ",
            rx.el.strong(view.release_mode),
            font_size="0.9rem",
            color=theme.TEXT_MUTED,
            id="vrijgave-instelling",
        ),
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
                    view.rows,
                    _row,
                    id="overzicht",
                ),
                overflow_x="auto",
                width="100%",
                margin_top="1rem",
            ),
            rx.cond(
                view.total == 0,
                notice("Geen gemeenten gevonden met deze filters.", "info", margin_top="1rem"),
            ),
            pager(
                query.page,
                view.page_count,
                CbsDeskState.previous_page,
                CbsDeskState.next_page,
                rx.spacer(),
                rx.text(view.shown_range, color=theme.TEXT_MUTED, id="aantal-gemeenten"),
                rx.cond(
                    (query.status != "")
                    | query.overdue_only
                    | query.held_only
                    | (query.search != ""),
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


def cbs_desk_page() -> rx.Component:
    return page_frame(
        rx.vstack(
            desk_header(
                "Alle gemeenten van een verslagperiode: aanleveringen, rapporten, termijnen en "
                "intrekkingen."
            ),
            error_notice(CbsDeskState.error),
            rx.tabs.root(
                rx.tabs.list(
                    rx.tabs.trigger("Overzicht", value="overzicht", id="tab-overzicht"),
                    # The periods load when their tab is opened, not with every visit of the desk.
                    rx.tabs.trigger(
                        "Verslagperioden",
                        value="perioden",
                        id="tab-perioden",
                        on_click=CbsPeriodState.load,
                    ),
                ),
                rx.tabs.content(
                    rx.cond(CbsDeskState.view, _overview()), value="overzicht", padding_top="1rem"
                ),
                rx.tabs.content(
                    periods_tab(CbsDeskState.load), value="perioden", padding_top="1rem"
                ),
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
        on_load=CbsDeskState.load,
    )
