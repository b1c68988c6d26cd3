"""The portal frame: header with organisation and user, the right-hand menu, and the tab bar."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from cbs_monitor import routes
from cbs_monitor.ui import theme
from cbs_monitor.ui.components import NativeForm, labelled_select
from cbs_monitor.ui.portal_state import PortalState

TABS = [
    ("Aanleveren", routes.DELIVER),
    ("Ophalen", routes.RETRIEVE),
    ("Intrekken aanlevering", routes.WITHDRAW),
    ("Berichtenlog", routes.MESSAGE_LOG),
    ("Koppelingen", routes.SUPPLIER_LINKS),
]


def header() -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.hstack(
                rx.image(src="/logo.svg", width="36px", height="36px", alt=""),
                rx.vstack(
                    rx.text("GGk portaal", font_weight="700", font_size="1.15rem", color="white"),
                    rx.text(
                        "Stichting Inlichtingenbureau",
                        font_size="0.8rem",
                        color=theme.ON_PRIMARY_MUTED,
                    ),
                    spacing="0",
                ),
                align="center",
                spacing="3",
            ),
            rx.spacer(),
            rx.cond(
                PortalState.frame.logged_in,
                rx.hstack(
                    rx.vstack(
                        rx.text(
                            PortalState.frame.user_name,
                            color="white",
                            font_weight="600",
                            id="header-user",
                        ),
                        rx.text(
                            PortalState.frame.organisation_name,
                            color=theme.ON_PRIMARY_MUTED,
                            font_size="0.85rem",
                            id="header-organisation",
                        ),
                        spacing="0",
                        align="end",
                    ),
                    # A plain form POST with the session's CSRF token: logout is a full page load
                    # that ends the server session, and no other site can trigger it.
                    NativeForm.create(
                        rx.el.input(
                            type="hidden", name="csrf", value=PortalState.frame.logout_token
                        ),
                        rx.el.button(
                            "Uitloggen", type="submit", class_name="header-button", id="uitloggen"
                        ),
                        method="post",
                        action=routes.AUTH_LOGOUT,
                        margin="0",
                    ),
                    align="center",
                    spacing="4",
                ),
            ),
            align="center",
            width="100%",
            max_width="1280px",
            margin="0 auto",
            padding="0.75rem 1.5rem",
        ),
        background=theme.PRIMARY,
        width="100%",
        role="banner",
    )


def right_menu() -> rx.Component:
    """The right-hand menu of the GGk portal: the seed's 'Selecteer CBS Monitor (rechtermenu)'."""
    return rx.el.nav(
        rx.text("Menu", font_weight="700", color=theme.PRIMARY, margin_bottom="0.5rem"),
        rx.vstack(
            rx.cond(
                PortalState.frame.is_municipal,
                rx.link(
                    "CBS Monitor", href=routes.DELIVER, id="menu-cbs-monitor", font_weight="600"
                ),
            ),
            rx.cond(
                PortalState.frame.is_cbs,
                rx.link("CBS-beoordeling", href=routes.CBS_DESK, id="menu-cbs"),
            ),
            rx.cond(
                PortalState.frame.is_servicedesk,
                rx.link("Beheer", href=routes.SERVICEDESK, id="menu-beheer"),
            ),
            rx.link("Algemene voorwaarden", href=routes.TERMS, color=theme.TEXT_MUTED),
            spacing="2",
            align="start",
            class_name="right-menu-links",
        ),
        class_name="right-menu",
        aria_label="Rechtermenu",
    )


def municipality_switcher() -> rx.Component:
    """Coordinators of a samenwerkingsverband choose the municipality they work for."""
    return rx.cond(
        PortalState.frame.municipality_options.length() > 1,
        labelled_select(
            "Gemeente",
            "gemeente-keuze",
            PortalState.frame.municipality_options,
            PortalState.frame.municipality_code,
            PortalState.choose_municipality,
            option_value=lambda o: o.code,
            option_label=lambda o: o.label,
        ),
        rx.text(
            "Gemeente: ",
            rx.el.strong(PortalState.frame.municipality_name),
            " (",
            PortalState.frame.municipality_code,
            ")",
            id="gemeente-huidig",
        ),
    )


def tab_bar(active_route: str) -> rx.Component:
    return rx.el.nav(
        rx.hstack(
            *[
                rx.el.a(
                    label,
                    href=route,
                    class_name="tab-link",
                    aria_current="page" if route == active_route else None,
                )
                for label, route in TABS
            ],
            spacing="1",
            wrap="wrap",
        ),
        aria_label="Tabbladen CBS Monitor",
        style={"border_bottom": f"1px solid {theme.BORDER}", "width": "100%"},
    )


def page_frame(*content: rx.Component) -> rx.Component:
    """Header, main column and the right-hand menu."""
    return rx.box(
        rx.el.a("Naar de inhoud", href="#inhoud", class_name="skip-link"),
        header(),
        # The content takes the width; the right-hand menu keeps a narrow column, and on a
        # narrow screen moves above the content as one row (styles.css, .portal-columns).
        rx.el.div(
            rx.el.main(*content, id="inhoud", class_name="portal-main"),
            rx.cond(PortalState.frame.logged_in, right_menu()),
            class_name="portal-columns",
        ),
        min_height="100vh",
        background=theme.BACKGROUND,
    )


def cbs_monitor_page(
    active_route: str, title: str
) -> Callable[[Callable[[], rx.Component]], Callable[[], rx.Component]]:
    """Decorator: a CBS Monitor tab page inside the frame, with heading, switcher and tab bar."""

    def wrap(body: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
        def page() -> rx.Component:
            return page_frame(
                rx.vstack(
                    rx.heading("CBS Monitor", size="7", color=theme.PRIMARY, as_="h1"),
                    rx.text("Gemeentelijke Monitor Sociaal Domein — Wmo", color=theme.TEXT_MUTED),
                    municipality_switcher(),
                    tab_bar(active_route),
                    rx.box(
                        rx.heading(title, size="5", as_="h2", margin_bottom="1rem"),
                        body(),
                        style={**theme.card, "border_top": "none", "border_radius": "0 0 6px 6px"},
                    ),
                    spacing="3",
                    width="100%",
                )
            )

        page.__name__ = body.__name__
        return page

    return wrap
