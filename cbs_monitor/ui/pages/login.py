"""The login page of the GGk portal: 'Ga verder' starts the eHerkenning (OIDC) login."""

import reflex as rx

from cbs_monitor import routes
from cbs_monitor.ui import theme
from cbs_monitor.ui.layout import page_frame


def login_page() -> rx.Component:
    return page_frame(
        rx.vstack(
            rx.heading("Inloggen", size="7", color=theme.PRIMARY, as_="h1"),
            rx.text(
                "Log in op het portaal van Stichting Inlichtingenbureau met uw eHerkenningsmiddel."
            ),
            # A plain link in this tab: the login leaves the app for eHerkenning and comes back.
            rx.el.a(
                "Ga verder",
                href=routes.AUTH_LOGIN,
                id="ga-verder",
                class_name="primary-button",
                custom_attrs={"reloadDocument": True},
            ),
            rx.text(
                "Logt u voor de eerste keer in? Neem dan contact op met onze Servicedesk via "
                "servicedesk@inlichtingenbureau.nl of 0800 222 11 22. De Servicedesk verstrekt u de "
                "verificatiecode die vereist is om in te kunnen loggen.",
                color=theme.TEXT_MUTED,
                font_size="0.9rem",
            ),
            rx.text(
                "Geen eHerkenning? Vraag zelf eHerkenning aan bij een van de erkende leveranciers.",
                color=theme.TEXT_MUTED,
                font_size="0.9rem",
            ),
            style=theme.card,
            spacing="4",
            max_width="640px",
        )
    )


def register(app: rx.App) -> None:
    app.add_page(login_page, route=routes.LOGIN, title="Inloggen | GGk portaal")
