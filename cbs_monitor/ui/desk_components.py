"""Pieces both CBS pages show: the desk header, status and overdue badges, a report's deadline cell."""

from __future__ import annotations

import reflex as rx

from cbs_monitor.services.review import overview
from cbs_monitor.services.review.common import ReportCell
from cbs_monitor.ui import theme

STATUS_COLORS = {
    overview.NOT_DELIVERED: "gray",
    overview.RECEIVED: "blue",
    overview.REJECTED: "red",
    overview.APPROVED: "teal",
    overview.READY: "green",
}


def desk_header(subtitle: rx.Component | str) -> rx.Component:
    return rx.vstack(
        rx.heading("CBS-beoordeling", size="7", color=theme.PRIMARY, as_="h1"),
        subtitle
        if isinstance(subtitle, rx.Component)
        else rx.text(subtitle, color=theme.TEXT_MUTED),
        spacing="1",
        width="100%",
    )


def desk_status_badge(status: rx.Var | str, **props) -> rx.Component:
    return rx.badge(
        status,
        color_scheme=rx.match(status, *STATUS_COLORS.items(), "gray"),
        variant="soft",
        size="2",
        white_space="nowrap",
        **props,
    )


def overdue_badge() -> rx.Component:
    return rx.badge("te laat", color_scheme="red", variant="solid", size="1")


def report_due_cell(cell: rx.Var[ReportCell], *, with_status: bool = True) -> rx.Component:
    """A report in a table cell: status (unless shown elsewhere) and date, or the service-level
    deadline while it is owed."""
    first = (
        [
            rx.cond(
                cell.status != "",
                rx.text(cell.status, font_size="0.85rem"),
                rx.text("—", color=theme.TEXT_MUTED),
            )
        ]
        if with_status
        else []
    )
    return rx.vstack(
        *first,
        rx.cond(
            cell.date != "",
            rx.text(cell.date, font_size="0.8rem", color=theme.TEXT_MUTED, class_name="nowrap"),
        ),
        rx.cond(
            cell.due != "",
            rx.hstack(
                rx.text(
                    "uiterlijk ",
                    rx.el.span(cell.due, white_space="nowrap"),
                    font_size="0.8rem",
                    color=rx.cond(cell.overdue, theme.DANGER, theme.TEXT_MUTED),
                ),
                rx.cond(cell.overdue, overdue_badge()),
                spacing="1",
                align="center",
                wrap="wrap",
            ),
        ),
        spacing="0",
    )
