"""The Organisaties, Delegaties and Geblokkeerd tabs of /beheer."""

from __future__ import annotations

import reflex as rx

from cbs_monitor.ui import theme
from cbs_monitor.ui.components import data_table, notice
from cbs_monitor.ui.pages.beheer.fields import field, select
from cbs_monitor.ui.pages.beheer.state import KINDS, BeheerState
from cbs_monitor.ui.pages.beheer.users import issued_code


def organisations_tab() -> rx.Component:
    return rx.vstack(
        data_table(
            ["Naam", "Soort", "eHerkenning-nummer", "Gemeentecode", "Gebruikers"],
            BeheerState.view.organisations,
            lambda o: rx.el.tr(
                rx.el.td(o.name),
                rx.el.td(o.kind),
                rx.el.td(o.identifier),
                rx.el.td(o.municipality_code),
                rx.el.td(o.users),
            ),
            id="organisaties-tabel",
        ),
        rx.heading("Organisatie toevoegen", size="4", as_="h3", margin_top="1rem"),
        rx.form(
            rx.hstack(
                select("Soort", "kind", KINDS, "beheer-kind", "Kies…"),
                field("Naam", "name", id_suffix="org-"),
                field("eHerkenning-nummer (KvK of OIN)", "identifier", inputmode="numeric"),
                field(
                    "Gemeentecode (alleen gemeente)",
                    "municipality_code",
                    max_length=4,
                    id_suffix="org-",
                ),
                wrap="wrap",
                spacing="4",
                align="end",
            ),
            rx.button(
                "Organisatie toevoegen",
                type="submit",
                margin_top="0.75rem",
                id="organisatie-toevoegen",
            ),
            on_submit=BeheerState.add_organisation,
            reset_on_submit=False,
        ),
        spacing="3",
        width="100%",
    )


def delegations_tab() -> rx.Component:
    return rx.vstack(
        rx.text(
            "Een delegerende gemeente laat een samenwerkingsverband voor haar aanleveren. Zij kan dan niet zelf "
            "via het portaal intrekken, maar gebruikt het formulier van CBS.",
            color=theme.TEXT_MUTED,
        ),
        data_table(
            ["Gemeente", "Samenwerkingsverband", "Vanaf", "Tot en met", ""],
            BeheerState.view.delegations,
            lambda d: rx.el.tr(
                rx.el.td(d.municipality_name, " (", d.municipality_code, ")"),
                rx.el.td(d.organisation),
                rx.el.td(d.valid_from),
                rx.el.td(d.valid_to),
                rx.el.td(
                    rx.cond(
                        d.active,
                        rx.button(
                            "Beëindigen",
                            size="1",
                            color_scheme="red",
                            variant="outline",
                            on_click=BeheerState.end_delegation(d.id),
                        ),
                        rx.text("beëindigd", color=theme.TEXT_MUTED),
                    )
                ),
            ),
            id="delegaties-tabel",
        ),
        rx.heading("Delegatie toevoegen", size="4", as_="h3", margin_top="1rem"),
        rx.form(
            rx.hstack(
                field("Gemeentecode", "municipality_code", max_length=4, id_suffix="del-"),
                select(
                    "Samenwerkingsverband",
                    "organisation_id",
                    BeheerState.view.cooperative_options,
                    "beheer-samenwerkingsverband",
                    "Kies…",
                ),
                wrap="wrap",
                spacing="4",
                align="end",
            ),
            rx.button(
                "Delegatie toevoegen", type="submit", margin_top="0.75rem", id="delegatie-toevoegen"
            ),
            on_submit=BeheerState.add_delegation,
            reset_on_submit=False,
        ),
        spacing="3",
        width="100%",
    )


def blocked_tab() -> rx.Component:
    return rx.vstack(
        rx.text(
            "Gebruikers van wie de verificatiecode is geblokkeerd na te veel onjuiste pogingen. Geef een nieuwe "
            "code uit om de blokkade op te heffen.",
            color=theme.TEXT_MUTED,
        ),
        rx.cond(
            BeheerState.view.blocked.length() > 0,
            data_table(
                ["Naam", "Organisatie", "Medewerkernummer", ""],
                BeheerState.view.blocked,
                lambda u: rx.el.tr(
                    rx.el.td(u.name),
                    rx.el.td(u.organisation),
                    rx.el.td(u.employee_id),
                    rx.el.td(
                        rx.button(
                            "Nieuwe verificatiecode",
                            size="1",
                            on_click=BeheerState.issue_code(u.id),
                            id="nieuwe-code-" + u.employee_id,
                        )
                    ),
                ),
                id="geblokkeerd-tabel",
            ),
            notice("Er zijn geen geblokkeerde gebruikers.", "success"),
        ),
        issued_code(),
        spacing="3",
        width="100%",
    )
