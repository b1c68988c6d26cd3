"""The Algemene voorwaarden that a user accepts before sending a file."""

import reflex as rx

from cbs_monitor.ui import theme
from cbs_monitor.ui.layout import page_frame

TERMS = [
    "U levert alleen gegevens aan van de gemeente waarvoor u bevoegd bent, één bestand per gemeente.",
    "De gegevens zijn aangeleverd volgens het aanleverprotocol Wmo van de Gemeentelijke Monitor Sociaal Domein.",
    "CBS gebruikt de gegevens uitsluitend voor statistische doeleinden en publiceert niets dat tot personen "
    "herleidbaar is.",
    "De bestanden worden versleuteld opgeslagen en na de bewaartermijn verwijderd; het verslag van de "
    "aanlevering blijft bewaard.",
    "Tijdens de intrekperiode kunt u per onderdeel de aanlevering voor gebruik en publicatie intrekken.",
]


def terms_page() -> rx.Component:
    return page_frame(
        rx.vstack(
            rx.heading("Algemene voorwaarden", size="7", color=theme.PRIMARY, as_="h1"),
            rx.el.ol(*[rx.el.li(t, margin_bottom="0.5rem") for t in TERMS], padding_left="1.25rem"),
            style=theme.card,
            spacing="3",
        )
    )


def register(app: rx.App) -> None:
    from cbs_monitor import routes

    app.add_page(terms_page, route=routes.TERMS, title="Algemene voorwaarden | GGk portaal")
