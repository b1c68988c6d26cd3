"""The bare Reflex app of `make bench-rush`: one page, one state, one event; nothing but Reflex's
own event path, measured alone as the floor for the portal's browsing round-trips."""

import reflex as rx

from bare_app.state import CounterState


def index() -> rx.Component:
    return rx.vstack(
        rx.heading("Counter"),
        rx.text("Count: ", CounterState.count, id="count"),
        rx.button("Increment", on_click=CounterState.increment, id="inc"),
    )


app = rx.App()
app.add_page(index, route="/")
