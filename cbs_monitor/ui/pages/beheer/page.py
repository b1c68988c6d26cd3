"""Page /beheer: the servicedesk registers organisations, users, roles, delegations and codes."""

from __future__ import annotations

import reflex as rx

from cbs_monitor import routes
from cbs_monitor.ui import theme
from cbs_monitor.ui.components import error_notice, notice
from cbs_monitor.ui.layout import page_frame
from cbs_monitor.ui.pages.beheer.organisations import (
    blocked_tab,
    delegations_tab,
    organisations_tab,
)
from cbs_monitor.ui.pages.beheer.state import BeheerState
from cbs_monitor.ui.pages.beheer.suppliers import SuppliersState, suppliers_tab
from cbs_monitor.ui.pages.beheer.users import users_tab


def beheer_page() -> rx.Component:
    return page_frame(
        rx.vstack(
            rx.heading("Beheer", size="7", color=theme.PRIMARY, as_="h1"),
            rx.text(
                "Servicedesk: organisaties, gebruikers, rollen, delegaties, verificatiecodes en softwareleveranciers.",
                color=theme.TEXT_MUTED,
            ),
            error_notice(BeheerState.error, id="beheer-fout"),
            rx.cond(
                BeheerState.success != "",
                notice(BeheerState.success, "success", id="beheer-melding"),
            ),
            rx.tabs.root(
                rx.tabs.list(
                    rx.tabs.trigger("Gebruikers", value="gebruikers"),
                    rx.tabs.trigger("Organisaties", value="organisaties"),
                    rx.tabs.trigger("Delegaties", value="delegaties"),
                    rx.tabs.trigger("Leveranciers", value="leveranciers"),
                    rx.tabs.trigger(
                        "Geblokkeerd (",
                        BeheerState.view.blocked.length().to_string(),
                        ")",
                        value="geblokkeerd",
                    ),
                ),
                rx.tabs.content(users_tab(), value="gebruikers", padding_top="1rem"),
                rx.tabs.content(organisations_tab(), value="organisaties", padding_top="1rem"),
                rx.tabs.content(delegations_tab(), value="delegaties", padding_top="1rem"),
                rx.tabs.content(suppliers_tab(), value="leveranciers", padding_top="1rem"),
                rx.tabs.content(blocked_tab(), value="geblokkeerd", padding_top="1rem"),
                default_value="gebruikers",
                width="100%",
            ),
            style=theme.card,
            spacing="3",
        )
    )


def register(app: rx.App) -> None:
    app.add_page(
        beheer_page,
        route=routes.SERVICEDESK,
        title="Beheer | GGk portaal",
        on_load=[BeheerState.load, SuppliersState.load],
    )
