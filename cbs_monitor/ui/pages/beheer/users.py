"""The Gebruikers tab of /beheer: users, roles, verification codes."""

from __future__ import annotations

import reflex as rx

from cbs_monitor.services.accounts.servicedesk import UserLine
from cbs_monitor.ui import theme
from cbs_monitor.ui.components import data_table
from cbs_monitor.ui.pages.beheer.fields import field, role_checkboxes, select
from cbs_monitor.ui.pages.beheer.state import BeheerState


def _muted(text, **props) -> rx.Component:
    return rx.el.div(text, color=theme.TEXT_MUTED, font_size="0.85rem", **props)


def _user_row(u: rx.Var[UserLine]) -> rx.Component:
    return rx.el.tr(
        rx.el.td(u.name, _muted(u.email), _muted(u.employee_id)),
        rx.el.td(u.organisation),
        rx.el.td(u.roles),
        rx.el.td(
            rx.badge(u.status, color_scheme=rx.cond(u.active, "green", "gray"), variant="soft"),
            _muted(u.linked),
            _muted(rx.el.span("code: ", u.code_text), class_name="nowrap"),
            min_width="11rem",
        ),
        rx.el.td(
            rx.flex(
                rx.button(
                    "Code uitgeven",
                    size="1",
                    on_click=BeheerState.issue_code(u.id),
                    disabled=~u.active,
                    id="code-" + u.employee_id,
                    aria_label="Code uitgeven voor " + u.name,
                ),
                rx.button(
                    "Rollen",
                    size="1",
                    variant="outline",
                    on_click=BeheerState.edit_roles_of(u.id),
                    id="rollen-" + u.employee_id,
                    aria_label="Rollen wijzigen van " + u.name,
                ),
                rx.cond(
                    u.active,
                    rx.button(
                        "Deactiveren",
                        size="1",
                        color_scheme="red",
                        variant="outline",
                        on_click=BeheerState.set_active(u.id, False),
                        id="deactiveren-" + u.employee_id,
                        aria_label="Deactiveren: " + u.name,
                    ),
                    rx.button(
                        "Activeren",
                        size="1",
                        variant="outline",
                        on_click=BeheerState.set_active(u.id, True),
                        id="activeren-" + u.employee_id,
                        aria_label="Activeren: " + u.name,
                    ),
                ),
                direction="column",
                align="stretch",
                gap="1",
            ),
            white_space="nowrap",
        ),
    )


def issued_code() -> rx.Component:
    return rx.cond(
        BeheerState.issued_code != "",
        rx.callout.root(
            rx.callout.text(
                "Verificatiecode voor ",
                rx.el.strong(BeheerState.issued_for),
                ": ",
                rx.el.code(
                    BeheerState.issued_code,
                    id="uitgegeven-code",
                    style={"font_size": "1.3rem", "letter_spacing": "0.1em", "font_weight": "700"},
                ),
            ),
            rx.callout.text(
                "Deze code wordt maar één keer getoond en is 14 dagen geldig. Geef hem door aan de gebruiker; "
                "na 5 onjuiste pogingen wordt de code geblokkeerd."
            ),
            rx.button(
                "Verbergen",
                size="1",
                variant="outline",
                on_click=BeheerState.hide_code,
                width="fit-content",
            ),
            color_scheme="green",
            role="status",
            width="100%",
        ),
    )


def _role_editor() -> rx.Component:
    return rx.cond(
        BeheerState.editor,
        rx.box(
            rx.heading("Rollen van ", BeheerState.editor.name, size="4", as_="h3"),
            role_checkboxes("wijzig", BeheerState.edit_roles, BeheerState.toggle_edit_role),
            rx.hstack(
                rx.button("Rollen opslaan", on_click=BeheerState.save_roles, id="rollen-opslaan"),
                rx.button("Annuleren", variant="outline", on_click=BeheerState.cancel_edit),
                spacing="3",
                margin_top="0.75rem",
            ),
            style={**theme.card, "background": theme.PRIMARY_LIGHT},
        ),
    )


def users_tab() -> rx.Component:
    return rx.vstack(
        issued_code(),
        _role_editor(),
        rx.box(
            data_table(
                ["Gebruiker", "Organisatie", "Rollen", "Status", "Acties"],
                BeheerState.view.users,
                _user_row,
                id="gebruikers-tabel",
            ),
            overflow_x="auto",
            width="100%",
        ),
        rx.heading("Gebruiker toevoegen", size="4", as_="h3", margin_top="1rem"),
        # A new key after each added user remounts the form: its fields are empty again, while a
        # refused form keeps what was typed.
        rx.form(
            rx.hstack(
                select(
                    "Organisatie",
                    "organisation_id",
                    BeheerState.view.organisation_options,
                    "beheer-organisatie",
                    "Kies een organisatie…",
                ),
                field("Naam", "name", id_suffix="user-"),
                field("E-mailadres", "email", type="email"),
                field("Medewerkernummer (eHerkenning)", "employee_id"),
                wrap="wrap",
                spacing="4",
                align="end",
            ),
            rx.box(role_checkboxes("nieuw"), margin_top="0.75rem"),
            rx.button(
                "Gebruiker toevoegen", type="submit", margin_top="0.75rem", id="gebruiker-toevoegen"
            ),
            on_submit=BeheerState.add_user,
            reset_on_submit=False,
            key=BeheerState.user_form_key.to_string(),
        ),
        spacing="3",
        width="100%",
    )
