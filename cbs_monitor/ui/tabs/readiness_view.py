"""The op-orde rapport on screen (Ophalen): the notice, the totals, a chart and the flagged comparison."""

from __future__ import annotations

from typing import Any

import reflex as rx

from cbs_monitor.services.readiness_screen import ComparisonLine, ReadinessScreen, SummaryFigure
from cbs_monitor.ui import theme
from cbs_monitor.ui.components import data_table, notice


def _line(line: rx.Var[ComparisonLine]) -> rx.Component:
    return rx.el.tr(
        rx.el.td(line.section, color=theme.TEXT_MUTED, font_size="0.85rem"),
        rx.el.td(line.label),
        rx.el.td(line.current, text_align="right"),
        rx.el.td(
            line.previous,
            " ",
            rx.text(line.previous_change, as_="span", color=theme.TEXT_MUTED),
            text_align="right",
        ),
        rx.el.td(
            line.year_earlier,
            " ",
            rx.text(line.year_earlier_change, as_="span", color=theme.TEXT_MUTED),
            text_align="right",
        ),
        rx.el.td(
            rx.cond(line.flag != "", rx.badge(line.flag, color_scheme="amber", variant="surface"))
        ),
    )


def _figure(item: rx.Var[SummaryFigure]) -> rx.Component:
    return rx.box(
        rx.text(item.label, font_size="0.8rem", color=theme.TEXT_MUTED),
        rx.text(item.value, font_size="1.3rem", font_weight="700"),
        style={**theme.card, "width": "auto", "padding": "0.6rem 0.9rem"},
    )


def readiness_panel(screen: rx.Var[ReadinessScreen | None], on_close) -> rx.Component:
    """The panel for the op-orde report being looked at (nothing while `screen` is None)."""
    return rx.cond(
        screen,
        rx.vstack(
            rx.hstack(
                rx.heading(screen.title, size="4", as_="h3"),
                rx.spacer(),
                rx.button("Sluiten", variant="soft", on_click=on_close),
                width="100%",
                align="center",
            ),
            notice(screen.notice, "info"),
            rx.hstack(rx.foreach(screen.summary, _figure), wrap="wrap", spacing="3"),
            rx.recharts.bar_chart(
                rx.recharts.cartesian_grid(stroke_dasharray="3 3"),
                rx.recharts.x_axis(data_key="hoofdgroep"),
                rx.recharts.y_axis(),
                rx.recharts.tooltip(),
                rx.recharts.legend(),
                rx.recharts.bar(data_key="deze_periode", name="Deze periode", fill=theme.PRIMARY),
                rx.recharts.bar(
                    data_key="vorig_halfjaar", name="Vorig halfjaar", fill=theme.CHART_PREVIOUS
                ),
                rx.recharts.bar(
                    data_key="jaar_eerder", name="Jaar eerder", fill=theme.CHART_YEAR_EARLIER
                ),
                data=screen.chart.to(list[dict[str, Any]]),
                width="100%",
                height=280,
            ),
            data_table(
                ["Onderdeel", "Cijfer", "Deze periode", "Vorig halfjaar", "Jaar eerder", "Let op"],
                screen.lines,
                _line,
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
