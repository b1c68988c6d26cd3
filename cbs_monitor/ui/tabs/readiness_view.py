"""The op-orde rapport on screen (Ophalen): the notice, the totals, a chart and the flagged comparison."""

from __future__ import annotations

import reflex as rx

from cbs_monitor.protocol import ReadinessResult
from cbs_monitor.protocol.readiness import figure_lines
from cbs_monitor.ui import theme
from cbs_monitor.ui.components import data_table, notice

# Sections shown on screen; the .xlsx has all of them (per productcategorie too).
SCREEN_SECTIONS = (
    "Totaal",
    "Cliënten per hoofdgroep",
    "Cliënten per financieringsvorm",
    "Instroom en uitstroom (arrangementen)",
)


def _number(value) -> str:
    return "—" if value is None else f"{value:,}".replace(",", ".")


def _percent(value) -> str:
    return "" if value is None else f"{value:+.1f}%".replace(".", ",")


def screen_model(result: ReadinessResult) -> dict:
    """Plain dicts of strings for the state: summary, chart data and comparison rows."""
    rows = [
        {
            "section": row.section,
            "label": row.label,
            "current": _number(row.current),
            "previous": _number(row.previous),
            "previous_change": _percent(row.previous_change_percent),
            "year_earlier": _number(row.year_earlier),
            "year_earlier_change": _percent(row.year_earlier_change_percent),
            "flag": row.reason if row.flagged else "",
        }
        for row in result.comparisons
        if row.section in SCREEN_SECTIONS or row.flagged
    ]
    groups = [line for line in figure_lines(result.current) if line[0] == "Cliënten per hoofdgroep"]

    def group_value(figures, label):
        if figures is None:
            return 0
        return figures.by_main_group.get(label, {}).get("clients", 0)

    chart = [
        {
            "hoofdgroep": label,
            "Deze periode": value,
            "Vorig halfjaar": group_value(result.previous, label),
            "Jaar eerder": group_value(result.year_earlier, label),
        }
        for _, label, value in groups
    ]
    summary = [
        {"label": "Records gebruikt", "value": _number(result.current.records_used)},
        {"label": "Unieke cliënten", "value": _number(result.current.clients)},
        {"label": "Maatwerkarrangementen", "value": _number(result.current.arrangements)},
        {
            "label": "Cliënten per 1.000 inwoners",
            "value": "niet bekend"
            if result.clients_per_1000 is None
            else f"{result.clients_per_1000:.1f}".replace(".", ","),
        },
        {"label": "Opvallende veranderingen", "value": str(len(result.flagged))},
    ]
    return {
        "notice": result.notice,
        "rows": rows,
        "chart": chart,
        "summary": summary,
        "period": result.period_code,
    }


def _row(row: rx.Var) -> rx.Component:
    return rx.el.tr(
        rx.el.td(row["section"], color=theme.TEXT_MUTED, font_size="0.85rem"),
        rx.el.td(row["label"]),
        rx.el.td(row["current"], text_align="right"),
        rx.el.td(
            row["previous"],
            " ",
            rx.text(row["previous_change"], as_="span", color=theme.TEXT_MUTED),
            text_align="right",
        ),
        rx.el.td(
            row["year_earlier"],
            " ",
            rx.text(row["year_earlier_change"], as_="span", color=theme.TEXT_MUTED),
            text_align="right",
        ),
        rx.el.td(
            rx.cond(
                row["flag"] != "", rx.badge(row["flag"], color_scheme="amber", variant="surface")
            )
        ),
    )


def readiness_panel(state) -> rx.Component:
    """The panel; `state` has readiness_open, readiness_title, readiness_notice, readiness_summary,
    readiness_chart, readiness_rows and close_readiness."""
    return rx.cond(
        state.readiness_open,
        rx.vstack(
            rx.hstack(
                rx.heading(state.readiness_title, size="4", as_="h3"),
                rx.spacer(),
                rx.button("Sluiten", variant="soft", on_click=state.close_readiness),
                width="100%",
                align="center",
            ),
            notice(state.readiness_notice, "info"),
            rx.hstack(
                rx.foreach(
                    state.readiness_summary,
                    lambda item: rx.box(
                        rx.text(item["label"], font_size="0.8rem", color=theme.TEXT_MUTED),
                        rx.text(item["value"], font_size="1.3rem", font_weight="700"),
                        style={**theme.card, "width": "auto", "padding": "0.6rem 0.9rem"},
                    ),
                ),
                wrap="wrap",
                spacing="3",
            ),
            rx.recharts.bar_chart(
                rx.recharts.cartesian_grid(stroke_dasharray="3 3"),
                rx.recharts.x_axis(data_key="hoofdgroep"),
                rx.recharts.y_axis(),
                rx.recharts.tooltip(),
                rx.recharts.legend(),
                rx.recharts.bar(data_key="Deze periode", fill=theme.PRIMARY),
                rx.recharts.bar(data_key="Vorig halfjaar", fill="#8fa6c4"),
                rx.recharts.bar(data_key="Jaar eerder", fill="#c8d3e2"),
                data=state.readiness_chart,
                width="100%",
                height=280,
            ),
            data_table(
                ["Onderdeel", "Cijfer", "Deze periode", "Vorig halfjaar", "Jaar eerder", "Let op"],
                state.readiness_rows,
                _row,
                id="op-orde-vergelijking",
            ),
            spacing="3",
            width="100%",
            border_top=f"1px solid {theme.BORDER}",
            padding_top="1rem",
            role="region",
            aria_label="Op orde rapport",
        ),
    )
