"""The deliveries section of the municipality page: files, verdicts, both reports, findings, decisions."""

from __future__ import annotations

import reflex as rx

from cbs_monitor.services.review.common import ReportCell
from cbs_monitor.services.review.municipality_file import (
    DeliveryLine,
)
from cbs_monitor.ui import theme
from cbs_monitor.ui.components import (
    data_table,
    download_arrow,
    notice,
    status_badge,
)
from cbs_monitor.ui.desk_components import report_due_cell
from cbs_monitor.ui.pages.cbs_municipality.state import CbsMunicipalityState


def section(title: str, *children, **props) -> rx.Component:
    return rx.box(
        rx.heading(title, size="4", as_="h2", margin_bottom="0.75rem"),
        *children,
        style=theme.card,
        **props,
    )


def _report_cell(row: rx.Var[DeliveryLine], cell: rx.Var[ReportCell], label: str) -> rx.Component:
    return rx.el.td(
        rx.hstack(
            rx.cond(
                cell.status != "",
                status_badge(cell.status),
                rx.text("—", color=theme.TEXT_MUTED),
            ),
            rx.cond(
                cell.report_id != 0,
                download_arrow(
                    f"Download {label} van " + row.filename,
                    CbsMunicipalityState.download(cell.report_id),
                ),
            ),
            spacing="2",
            align="center",
        ),
        report_due_cell(cell, with_status=False),
    )


def _actions(row: rx.Var[DeliveryLine]) -> rx.Component:
    return rx.vstack(
        rx.cond(
            row.can_release,
            rx.button(
                "Vrijgeven",
                size="1",
                white_space="nowrap",
                color_scheme="green",
                on_click=CbsMunicipalityState.open_action("release", row.readiness.report_id),
                aria_label="Vrijgeven: Op orde rapport van " + row.filename,
            ),
        ),
        rx.cond(
            row.can_hold,
            rx.button(
                "Vasthouden",
                size="1",
                white_space="nowrap",
                variant="outline",
                color_scheme="amber",
                on_click=CbsMunicipalityState.open_action("hold", row.readiness.report_id),
                aria_label="Vasthouden: Op orde rapport van " + row.filename,
            ),
        ),
        rx.cond(
            row.can_override,
            rx.button(
                "Oordeel wijzigen",
                size="1",
                white_space="nowrap",
                variant="outline",
                on_click=CbsMunicipalityState.open_action("override", row.delivery_id),
                aria_label="Oordeel wijzigen: " + row.filename,
            ),
        ),
        spacing="1",
        align="stretch",
    )


def _delivery_row(row: rx.Var[DeliveryLine]) -> rx.Component:
    return rx.el.tr(
        rx.el.td(
            rx.text(row.filename, font_weight="600", class_name="file-name"),
            rx.text(
                row.received,
                " · ",
                row.delivered_by,
                font_size="0.8rem",
                color=theme.TEXT_MUTED,
            ),
            rx.hstack(
                rx.badge(row.period, variant="outline", color_scheme="gray"),
                rx.cond(row.counts, rx.badge("telt mee", color_scheme="green", variant="soft")),
                rx.cond(
                    row.replaced,
                    rx.badge("vervangen", color_scheme="gray", variant="soft"),
                ),
                spacing="1",
                wrap="wrap",
            ),
        ),
        rx.el.td(
            rx.text(
                row.verdict,
                font_weight="600",
                color=rx.match(
                    row.verdict,
                    ("goedgekeurd", theme.ACCENT_GREEN),
                    ("afgekeurd", theme.DANGER),
                    theme.TEXT_MUTED,
                ),
            ),
            rx.cond(
                row.overridden,
                rx.badge("oordeel door CBS", color_scheme="amber", size="1"),
            ),
            rx.cond(
                row.override_note != "",
                rx.text(row.override_note, font_size="0.75rem", color=theme.TEXT_MUTED),
            ),
            rx.text(row.records, font_size="0.8rem", color=theme.TEXT_MUTED),
            rx.button(
                "Bevindingen (",
                row.findings,
                ")",
                size="1",
                variant="ghost",
                on_click=CbsMunicipalityState.show_findings(row.delivery_id),
                aria_expanded=rx.cond(
                    CbsMunicipalityState.findings.delivery_id == row.delivery_id, "true", "false"
                ),
            ),
        ),
        _report_cell(row, row.technical, "Technisch rapport"),
        _report_cell(row, row.readiness, "Op orde rapport"),
        rx.el.td(_actions(row)),
        id="aanlevering-" + row.delivery_id.to_string(),
    )


def _findings() -> rx.Component:
    return rx.cond(
        CbsMunicipalityState.findings,
        rx.box(
            rx.heading(
                "Bevindingen bij ",
                CbsMunicipalityState.findings.title,
                size="3",
                as_="h3",
                margin_bottom="0.5rem",
            ),
            rx.cond(
                CbsMunicipalityState.findings.lines.length() > 0,
                data_table(
                    ["Soort", "Bevinding", "Aantal"],
                    CbsMunicipalityState.findings.lines,
                    lambda f: rx.el.tr(
                        rx.el.td(
                            rx.badge(
                                f.severity,
                                color_scheme=rx.cond(f.severity == "fout", "red", "amber"),
                            )
                        ),
                        rx.el.td(f.text),
                        rx.el.td(f.count),
                    ),
                    id="bevindingen",
                ),
                notice("Geen bevindingen: het bestand voldoet aan het protocol.", "success"),
            ),
            width="100%",
            margin_top="1rem",
        ),
    )


def deliveries_section() -> rx.Component:
    return section(
        "Aanleveringen",
        rx.cond(
            CbsMunicipalityState.page.deliveries.length() > 0,
            rx.box(
                data_table(
                    [
                        "Bestand",
                        "Technisch oordeel",
                        "Technisch rapport",
                        "Op orde rapport",
                        "Besluit CBS",
                    ],
                    CbsMunicipalityState.page.deliveries,
                    _delivery_row,
                    id="aanleveringen",
                ),
                overflow_x="auto",
                width="100%",
            ),
            notice("Deze gemeente heeft nog niets aangeleverd.", "info"),
        ),
        _findings(),
    )
