"""Registering a CBS Monitor tab page: one on_load event that loads the frame and the tab at once."""

from __future__ import annotations

import reflex as rx


def tab_page(app: rx.App, component, route: str, title: str, load) -> None:
    """The tab's own load resolves the session once and fills the frame too (no second event)."""
    app.add_page(component, route=route, title=f"{title} | CBS Monitor", on_load=load)
