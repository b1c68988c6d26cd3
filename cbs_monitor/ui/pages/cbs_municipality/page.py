"""Page /cbs/gemeente/[code]: one municipality for CBS, its Berichtenlog and the decision dialog."""

from __future__ import annotations

import reflex as rx

from cbs_monitor import routes
from cbs_monitor.services.review.common import MAX_REASON
from cbs_monitor.ui import theme
from cbs_monitor.ui.components import (
    data_table,
    error_notice,
    notice,
    pager,
)
from cbs_monitor.ui.desk_components import desk_header
from cbs_monitor.ui.layout import page_frame
from cbs_monitor.ui.pages.cbs_municipality.deliveries import deliveries_section, section
from cbs_monitor.ui.pages.cbs_municipality.state import CbsMunicipalityState
from cbs_monitor.ui.pages.cbs_municipality.withdrawals import withdrawals_section

ROUTE = routes.CBS_DESK + "/gemeente/[gemeentecode]"


def _message_log() -> rx.Component:
    return section(
        "Berichtenlog",
        rx.cond(
            CbsMunicipalityState.messages.rows.length() > 0,
            rx.vstack(
                data_table(
                    ["Datum en tijd", "Soort", "Periode", "Bericht"],
                    CbsMunicipalityState.messages.rows,
                    lambda m: rx.el.tr(
                        rx.el.td(m.when, white_space="nowrap"),
                        rx.el.td(
                            rx.cond(
                                m.is_decision,
                                rx.badge(m.kind, color_scheme="amber"),
                                rx.text(m.kind),
                            )
                        ),
                        rx.el.td(m.period),
                        rx.el.td(m.text),
                    ),
                    id="cbs-berichten",
                ),
                pager(
                    CbsMunicipalityState.messages.page,
                    CbsMunicipalityState.messages.page_count,
                    CbsMunicipalityState.previous_messages,
                    CbsMunicipalityState.next_messages,
                    rx.text(
                        "(", CbsMunicipalityState.messages.total, " berichten)", font_size="0.9rem"
                    ),
                    size="1",
                ),
                width="100%",
                spacing="3",
            ),
            rx.text("Nog geen berichten.", color=theme.TEXT_MUTED),
        ),
    )


def _action_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(CbsMunicipalityState.prompt.title),
            rx.dialog.description(CbsMunicipalityState.prompt.text, margin_bottom="0.75rem"),
            rx.form(
                rx.vstack(
                    rx.el.label(
                        "Reden (verplicht; de gemeente ziet deze)",
                        html_for="besluit-reden",
                        font_weight="600",
                    ),
                    rx.el.textarea(
                        id="besluit-reden",
                        name="reden",
                        rows=3,
                        max_length=MAX_REASON,
                        auto_focus=True,
                        style={
                            "width": "100%",
                            "padding": "0.5rem",
                            "border": f"1px solid {theme.BORDER}",
                            "border_radius": "4px",
                        },
                    ),
                    error_notice(CbsMunicipalityState.action_error),
                    rx.hstack(
                        rx.button(
                            "Annuleren",
                            type="button",
                            variant="soft",
                            color_scheme="gray",
                            on_click=CbsMunicipalityState.close_action,
                        ),
                        rx.button(
                            "Bevestigen",
                            type="submit",
                            id="besluit-bevestigen",
                            style={"background": theme.PRIMARY},
                        ),
                        justify="end",
                        width="100%",
                        spacing="3",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=CbsMunicipalityState.confirm_action,
                reset_on_submit=True,
            ),
            max_width="520px",
        ),
        open=CbsMunicipalityState.action_open,
        on_open_change=CbsMunicipalityState.set_action_open,
    )


def cbs_municipality_page() -> rx.Component:
    return page_frame(
        rx.vstack(
            rx.link("← Terug naar het overzicht", href=routes.CBS_DESK, id="terug-overzicht"),
            desk_header(
                rx.cond(
                    CbsMunicipalityState.page.name != "",
                    rx.hstack(
                        rx.heading(
                            CbsMunicipalityState.page.name,
                            " (",
                            CbsMunicipalityState.code,
                            ")",
                            size="5",
                            as_="h2",
                            id="gemeente-naam",
                        ),
                        rx.cond(
                            CbsMunicipalityState.page.delegating,
                            rx.badge("delegerend", color_scheme="purple", variant="outline"),
                        ),
                        align="center",
                        spacing="3",
                    ),
                    rx.text(""),
                )
            ),
            error_notice(CbsMunicipalityState.error),
            rx.cond(
                CbsMunicipalityState.page,
                rx.vstack(
                    deliveries_section(),
                    withdrawals_section(),
                    _message_log(),
                    spacing="4",
                    width="100%",
                ),
                rx.cond(
                    ~CbsMunicipalityState.found, notice("Deze gemeente bestaat niet.", "warning")
                ),
            ),
            _action_dialog(),
            spacing="4",
            width="100%",
        )
    )


def register(app: rx.App) -> None:
    app.add_page(
        cbs_municipality_page,
        route=ROUTE,
        title="Gemeente | CBS-beoordeling",
        on_load=CbsMunicipalityState.load,
    )
