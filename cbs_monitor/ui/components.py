"""Shared pieces of the tabs: tables, status badges, the green download arrow, date range, notices."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from cbs_monitor.ui import theme


def data_table(headers: list[str], rows: rx.Var, render_row: Callable[[rx.Var], rx.Component], **props) -> rx.Component:
    """A plain, accessible table (th scope=col) with the portal's look."""
    return rx.el.table(
        rx.el.thead(rx.el.tr(*[rx.el.th(h, scope="col") for h in headers])),
        rx.el.tbody(rx.foreach(rows, render_row)),
        class_name="data-table",
        **props,
    )


def status_badge(status: rx.Var | str) -> rx.Component:
    return rx.badge(
        status,
        color_scheme=rx.match(
            status,
            ("Goedgekeurd", "green"),
            ("gereed", "green"),
            ("Afgekeurd", "red"),
            ("wacht op vrijgave", "amber"),
            ("in behandeling", "amber"),
            "gray",
        ),
        size="2",
        variant="soft",
    )


def download_arrow(label: rx.Var | str, on_click, **props) -> rx.Component:
    """The seed's green arrow that downloads a report."""
    return rx.icon_button(
        rx.icon("arrow-down-to-line", size=18),
        on_click=on_click,
        aria_label=label,
        title=label,
        color_scheme="green",
        variant="solid",
        size="2",
        style={"background": theme.ACCENT_GREEN, "cursor": "pointer"},
        **props,
    )


def date_input(label: str, input_id: str, value: rx.Var, on_change) -> rx.Component:
    """A labelled calendar date field (the browser's own date picker)."""
    return rx.vstack(
        rx.el.label(label, html_for=input_id, font_weight="600", font_size="0.9rem"),
        rx.el.input(
            type="date",
            id=input_id,
            value=value,
            on_change=on_change,
            style={"padding": "0.4rem 0.5rem", "border": f"1px solid {theme.BORDER}", "border_radius": "4px"},
        ),
        spacing="1",
    )


def notice(text, kind: str = "info", **props) -> rx.Component:
    colors = {"info": "blue", "success": "green", "error": "red", "warning": "amber"}
    icons = {"info": "info", "success": "circle-check", "error": "circle-alert", "warning": "triangle-alert"}
    return rx.callout(text, icon=icons[kind], color_scheme=colors[kind], width="100%", **props)


def error_notice(message: rx.Var, **props) -> rx.Component:
    """Shows a Dutch error message from the state when there is one (role=alert for screen readers)."""
    return rx.cond(message != "", notice(message, "error", role="alert", **props))
