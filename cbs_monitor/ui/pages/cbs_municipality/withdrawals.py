"""The withdrawals section of the municipality page: register a CBS form, the history."""

from __future__ import annotations

import reflex as rx

from cbs_monitor.services import withdrawals
from cbs_monitor.services.review.common import MAX_REASON
from cbs_monitor.services.withdrawals import PartChoice
from cbs_monitor.ui import theme
from cbs_monitor.ui.components import (
    data_table,
    error_notice,
    labelled_select,
    notice,
)
from cbs_monitor.ui.pages.cbs_municipality.deliveries import section
from cbs_monitor.ui.pages.cbs_municipality.state import CbsMunicipalityState


def _radio(part: rx.Var[PartChoice], value: str, column: str) -> rx.Component:
    return rx.el.td(
        rx.el.input(
            type="radio",
            name="cbs-keuze-" + part.part,
            value=value,
            checked=CbsMunicipalityState.withdrawal_choices[part.part] == value,
            on_change=lambda _: CbsMunicipalityState.set_withdrawal_choice(part.part, value),
            aria_label=column + ": " + part.label,
            style={
                "width": "1.1rem",
                "height": "1.1rem",
                "cursor": "pointer",
                "accent_color": theme.PRIMARY,
            },
        ),
        text_align="center",
    )


def withdrawals_section() -> rx.Component:
    return section(
        "Intrekkingen",
        rx.cond(
            CbsMunicipalityState.page.delegating,
            notice(
                "Delegerende gemeente: levert aan via "
                + CbsMunicipalityState.page.cooperative
                + " en trekt in via "
                "het formulier van CBS. Registreer een ontvangen formulier hieronder.",
                "info",
                id="delegerend",
            ),
        ),
        # Outside the form: it is not form data.
        labelled_select(
            "Verslagperiode",
            "intrek-periode",
            CbsMunicipalityState.page.period_options,
            CbsMunicipalityState.withdrawal_period,
            CbsMunicipalityState.choose_withdrawal_period,
        ),
        rx.form(
            rx.vstack(
                rx.el.table(
                    rx.el.thead(
                        rx.el.tr(
                            rx.el.th("Onderdeel", scope="col"),
                            rx.el.th("Publiceren", scope="col", text_align="center"),
                            rx.el.th("Aanlevering intrekken", scope="col", text_align="center"),
                        )
                    ),
                    rx.el.tbody(
                        rx.foreach(
                            CbsMunicipalityState.page.withdrawal_parts,
                            lambda p: rx.el.tr(
                                rx.el.td(p.label),
                                _radio(p, withdrawals.PUBLISH, "Publiceren"),
                                _radio(p, withdrawals.WITHDRAW, "Aanlevering intrekken"),
                            ),
                        )
                    ),
                    class_name="data-table",
                    id="cbs-intrekken",
                ),
                rx.el.label(
                    "Reden en kenmerk van het formulier",
                    html_for="formulier-reden",
                    font_weight="600",
                ),
                rx.el.textarea(
                    id="formulier-reden",
                    name="reden",
                    rows=2,
                    max_length=MAX_REASON,
                    placeholder="Bijvoorbeeld: formulier ontvangen op 14-03, kenmerk 2026-0042",
                    style={
                        "width": "100%",
                        "padding": "0.5rem",
                        "border": f"1px solid {theme.BORDER}",
                        "border_radius": "4px",
                    },
                ),
                error_notice(CbsMunicipalityState.withdrawal_error),
                rx.button(
                    "Intrekking via formulier registreren",
                    type="submit",
                    id="formulier-registreren",
                    style={"background": theme.PRIMARY},
                ),
                spacing="3",
                width="100%",
            ),
            on_submit=CbsMunicipalityState.register_withdrawal,
            reset_on_submit=False,
        ),
        rx.heading(
            "Geschiedenis", size="3", as_="h3", margin_top="1.25rem", margin_bottom="0.5rem"
        ),
        rx.cond(
            CbsMunicipalityState.page.history.length() > 0,
            data_table(
                ["Datum en tijd", "Periode", "Onderdeel", "Keuze", "Via", "Door", "Reden"],
                CbsMunicipalityState.page.history,
                lambda h: rx.el.tr(
                    rx.el.td(h.when, white_space="nowrap"),
                    rx.el.td(h.period),
                    rx.el.td(h.part),
                    rx.el.td(h.choice),
                    rx.el.td(h.source),
                    rx.el.td(h.user),
                    rx.el.td(h.reason),
                ),
                id="intrek-geschiedenis",
            ),
            rx.text(
                "Nog geen intrekkingen: alle onderdelen worden gepubliceerd.",
                color=theme.TEXT_MUTED,
            ),
        ),
    )
