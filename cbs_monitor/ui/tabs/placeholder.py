"""Tab content that is not built yet: says so plainly instead of faking it."""

import reflex as rx

from cbs_monitor.ui import theme


def not_yet(what: str) -> rx.Component:
    return rx.callout(
        f"{what} komt in een volgende versie van het portaal. Deze functie is nog niet beschikbaar.",
        icon="info",
        color_scheme="blue",
        id="nog-niet-beschikbaar",
        style={"color": theme.PRIMARY},
    )
