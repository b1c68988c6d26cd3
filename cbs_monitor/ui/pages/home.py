"""The GGk portal home after login: points to CBS Monitor in the right-hand menu."""

import reflex as rx

from cbs_monitor.ui import theme
from cbs_monitor.ui.layout import page_frame
from cbs_monitor.ui.portal_state import PortalState


def home_page() -> rx.Component:
    return page_frame(
        rx.vstack(
            rx.heading("Welkom in het GGk portaal", size="7", color=theme.PRIMARY, as_="h1"),
            rx.text(
                "U bent ingelogd als ",
                rx.el.strong(PortalState.frame.user_name),
                " namens ",
                rx.el.strong(PortalState.frame.organisation_name),
                ".",
            ),
            rx.cond(
                PortalState.frame.is_municipal,
                rx.text(
                    "Kies CBS Monitor in het menu rechts om bestanden aan te leveren, rapporten op te "
                    "halen, aanleveringen in te trekken of de berichtenlog te bekijken."
                ),
            ),
            rx.cond(PortalState.frame.is_cbs, rx.text("Kies CBS-beoordeling in het menu rechts.")),
            rx.cond(PortalState.frame.is_servicedesk, rx.text("Kies Beheer in het menu rechts.")),
            style=theme.card,
            spacing="3",
        )
    )


def register(app: rx.App) -> None:
    from cbs_monitor import routes

    app.add_page(home_page, route=routes.HOME, title="GGk portaal", on_load=PortalState.load)
