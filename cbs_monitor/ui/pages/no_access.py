"""The page a user lands on when they open a page that is not for them: said plainly, not a silent redirect."""

import reflex as rx

from cbs_monitor import routes
from cbs_monitor.ui import theme
from cbs_monitor.ui.layout import page_frame
from cbs_monitor.ui.portal_state import PortalState


def no_access_page() -> rx.Component:
    return page_frame(
        rx.vstack(
            rx.heading("Geen toegang", size="7", color=theme.PRIMARY, as_="h1"),
            rx.text(
                "U heeft geen toegang tot deze pagina met uw huidige rollen. Ga naar de startpagina "
                "of kies een onderdeel in het menu rechts. Denkt u dat u wel toegang hoort te hebben? "
                "Neem dan contact op met de Servicedesk."
            ),
            rx.link("Naar de startpagina", href=routes.HOME, id="naar-start"),
            style=theme.card,
            spacing="3",
            id="geen-toegang",
        )
    )


def register(app: rx.App) -> None:
    app.add_page(
        no_access_page,
        route=routes.NO_ACCESS,
        title="Geen toegang | GGk portaal",
        on_load=PortalState.load,
    )
