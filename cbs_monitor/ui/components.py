"""Shared pieces of the tabs: tables, status badges, the green download arrow, date range, notices."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx
from reflex_components_core.el.elements.base import BaseHTML

from cbs_monitor.ui import theme


def data_table(
    headers: list[str], rows: rx.Var, render_row: Callable[[rx.Var], rx.Component], **props
) -> rx.Component:
    """A plain, accessible table (th scope=col) with the portal's look; it scrolls sideways
    inside its box rather than squeezing dates and file names (styles.css)."""
    return rx.el.div(
        rx.el.table(
            rx.el.thead(rx.el.tr(*[rx.el.th(h, scope="col") for h in headers])),
            rx.el.tbody(rx.foreach(rows, render_row)),
            class_name="data-table",
            **props,
        ),
        class_name="table-scroll",
    )


def status_badge(status: rx.Var | str) -> rx.Component:
    return rx.badge(
        status,
        color_scheme=rx.match(
            status,
            ("Goedgekeurd", "green"),
            ("gereed", "green"),
            ("Afgekeurd", "red"),
            ("Geweigerd", "red"),
            ("technische fout", "red"),
            ("ontvangen", "blue"),
            ("wordt gecontroleerd", "blue"),
            ("wacht op vrijgave", "amber"),
            ("in behandeling", "amber"),
            "gray",
        ),
        size="2",
        variant="soft",
    )


def finding_severity_badge(severity: rx.Var | str) -> rx.Component:
    """'fout' in red, 'waarschuwing' in amber: the two severities of a finding."""
    return rx.badge(
        severity,
        color_scheme=rx.cond(severity == "fout", "red", "amber"),
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
    """A date as the portal shows and asks for it, dd-mm-jjjj, whatever the browser's language:
    a text field, and next to it the browser's calendar (for the mouse) that fills it in.

    `value` holds dd-mm-jjjj; `on_change` gets what was typed, or the calendar's jjjj-mm-dd
    (the services accept both and answer in dd-mm-jjjj)."""
    iso = rx.Var(
        f"((v) => /^\\d{{2}}-\\d{{2}}-\\d{{4}}$/.test(v) ? v.split('-').reverse().join('-') : v)({value!s})",
        _var_type=str,
        _var_data=value._get_all_var_data(),
    )
    return rx.vstack(
        rx.el.label(label, html_for=input_id, font_weight="600", font_size="0.9rem"),
        rx.hstack(
            rx.el.input(
                type="text",
                id=input_id,
                value=value,
                on_change=on_change,
                placeholder="dd-mm-jjjj",
                input_mode="numeric",
                max_length=10,
                auto_complete="off",
                style={
                    "padding": "0.4rem 0.5rem",
                    "border": f"1px solid {theme.BORDER}",
                    "border_radius": "4px",
                    "width": "8.5rem",
                },
            ),
            # Out of the tab order and hidden from screen readers: the text field is the way.
            rx.el.input(
                type="date",
                value=iso,
                on_change=on_change,
                tab_index=-1,
                aria_hidden="true",
                class_name="calendar-picker",
                title="Kies in de kalender",
            ),
            spacing="1",
            align="center",
        ),
        spacing="1",
    )


def notice(text, kind: str = "info", **props) -> rx.Component:
    colors = {"info": "blue", "success": "green", "error": "red", "warning": "amber"}
    icons = {
        "info": "info",
        "success": "circle-check",
        "error": "circle-alert",
        "warning": "triangle-alert",
    }
    return rx.callout(text, icon=icons[kind], color_scheme=colors[kind], width="100%", **props)


def error_notice(message: rx.Var, **props) -> rx.Component:
    """Shows a Dutch error message from the state when there is one (role=alert for screen readers)."""
    return rx.cond(message != "", notice(message, "error", role="alert", **props))


def labelled_select(
    label: str,
    select_id: str,
    options: rx.Var,
    value: rx.Var,
    on_change,
    option_value: Callable = lambda o: o,
    option_label: Callable = lambda o: o,
) -> rx.Component:
    """A native select with its label on one line (period and municipality choices)."""
    return rx.hstack(
        rx.el.label(label, html_for=select_id, font_weight="600"),
        rx.el.select(
            rx.foreach(
                options,
                lambda option: rx.el.option(option_label(option), value=option_value(option)),
            ),
            id=select_id,
            value=value,
            on_change=on_change,
            style={
                "padding": "0.35rem 0.5rem",
                "border": f"1px solid {theme.BORDER}",
                "border_radius": "4px",
            },
        ),
        align="center",
        spacing="2",
    )


def window_notice(is_open: rx.Var, text: rx.Var, element_id: str) -> rx.Component:
    """Whether a delivery or withdrawal window is open: informative when open, a warning when not."""
    return rx.cond(
        is_open, notice(text, "info", id=element_id), notice(text, "warning", id=element_id)
    )


def pager(
    page: rx.Var,
    count: rx.Var,
    on_previous,
    on_next,
    *extra: rx.Component,
    size: str = "2",
    previous_id: str | None = None,
    next_id: str | None = None,
    **props,
) -> rx.Component:
    """'Vorige', 'Pagina n van m', 'Volgende' (and whatever follows on the same line)."""
    return rx.hstack(
        rx.button(
            "Vorige",
            on_click=on_previous,
            variant="soft",
            size=size,
            disabled=page <= 1,
            id=previous_id,
        ),
        rx.text("Pagina ", page, " van ", count, font_size="0.9rem"),
        rx.button(
            "Volgende",
            on_click=on_next,
            variant="soft",
            size=size,
            disabled=page >= count,
            id=next_id,
        ),
        *extra,
        align="center",
        spacing="3",
        width="100%",
        **props,
    )


class NativeForm(BaseHTML):
    """A form the browser submits itself, as a full page load: rx.el.form always prevents the
    submit to send it as a Reflex event instead (the logout must reach the Starlette route)."""

    tag = "form"
    action: rx.Var[str]
    method: rx.Var[str]
