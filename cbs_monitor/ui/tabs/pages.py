"""The four CBS Monitor tabs as pages (content per tab in its own module)."""

import reflex as rx

from cbs_monitor import routes
from cbs_monitor.ui.layout import cbs_monitor_page
from cbs_monitor.ui.tabs.placeholder import not_yet


@cbs_monitor_page(routes.DELIVER, "Aanleveren")
def deliver_page() -> rx.Component:
    return not_yet("Het aanleveren van bestanden")


@cbs_monitor_page(routes.RETRIEVE, "Ophalen")
def retrieve_page() -> rx.Component:
    return not_yet("Het ophalen van rapporten")


@cbs_monitor_page(routes.WITHDRAW, "Intrekken aanlevering")
def withdraw_page() -> rx.Component:
    return not_yet("Het intrekken van aanleveringen")


@cbs_monitor_page(routes.MESSAGE_LOG, "Berichtenlog")
def message_log_page() -> rx.Component:
    return not_yet("De berichtenlog")


def register(app: rx.App) -> None:
    from cbs_monitor.ui.portal_state import PortalState

    for page, route, title in (
        (deliver_page, routes.DELIVER, "Aanleveren"),
        (retrieve_page, routes.RETRIEVE, "Ophalen"),
        (withdraw_page, routes.WITHDRAW, "Intrekken aanlevering"),
        (message_log_page, routes.MESSAGE_LOG, "Berichtenlog"),
    ):
        app.add_page(page, route=route, title=f"{title} | CBS Monitor", on_load=PortalState.load_municipal)
