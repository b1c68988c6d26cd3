"""Tab Koppelingen: which software suppliers may deliver for the municipality through the API;
the productbeheerder allows or revokes them."""

from __future__ import annotations

import reflex as rx

from cbs_monitor import routes
from cbs_monitor.services import suppliers
from cbs_monitor.services.suppliers import LinkRow, LinksDone, LinksView
from cbs_monitor.ui import theme
from cbs_monitor.ui.components import data_table, error_notice, notice
from cbs_monitor.ui.layout import cbs_monitor_page
from cbs_monitor.ui.portal_state import show_frame
from cbs_monitor.ui.service_call import run
from cbs_monitor.ui.tabs.common import tab_page


class LinksState(rx.State):
    view: LinksView | None = None
    terms_accepted: bool = False
    error: str = ""
    success: str = ""

    @rx.event
    async def load(self):
        self.success = ""
        outcome = await run(
            self,
            lambda db, context: suppliers.links_view(
                db, context.actor, context.require_municipality()
            ),
            page_load=True,
        )
        await show_frame(self, outcome)
        self.view, self.error = outcome.value, outcome.error
        return outcome.event

    @rx.event
    def set_terms_accepted(self, value: bool):
        self.terms_accepted = bool(value)

    async def _change(self, use_case):
        self.error = self.success = ""
        outcome = await run(self, use_case)
        if outcome.value is None:
            self.error = outcome.error
            return outcome.event
        done: LinksDone = outcome.value
        self.view, self.success = done.view, done.message
        self.terms_accepted = False
        return None

    @rx.event
    async def allow(self, organisation_id: int):
        terms = self.terms_accepted
        return await self._change(
            lambda db, context: suppliers.authorise(
                db,
                context.actor,
                context.require_municipality(),
                int(organisation_id),
                terms_accepted=terms,
            )
        )

    @rx.event
    async def revoke(self, organisation_id: int):
        return await self._change(
            lambda db, context: suppliers.revoke(
                db, context.actor, context.require_municipality(), int(organisation_id)
            )
        )


def _action(row: rx.Var[LinkRow]) -> rx.Component:
    return rx.cond(
        LinksState.view.can_change,
        rx.cond(
            row.authorised,
            rx.button(
                "Intrekken",
                size="1",
                color_scheme="red",
                variant="outline",
                on_click=LinksState.revoke(row.organisation_id),
            ),
            rx.button("Toestaan", size="1", on_click=LinksState.allow(row.organisation_id)),
        ),
    )


def _row(row: rx.Var[LinkRow]) -> rx.Component:
    return rx.el.tr(
        rx.el.td(row.supplier),
        rx.el.td(
            rx.cond(
                row.authorised,
                rx.text("mag aanleveren sinds ", row.since),
                rx.text("geen toestemming", color=theme.TEXT_MUTED),
            )
        ),
        rx.el.td(_action(row)),
    )


@cbs_monitor_page(routes.SUPPLIER_LINKS, "Koppelingen")
def links_page() -> rx.Component:
    return rx.vstack(
        rx.text(
            "Een softwareleverancier die u hier toestemming geeft, kan via de aanlever-API "
            "bestanden voor uw gemeente aanleveren en de rapporten ophalen. Zulke aanleveringen "
            "staan in Ophalen en de Berichtenlog, aangeleverd door de leverancier."
        ),
        error_notice(LinksState.error, id="koppelingen-fout"),
        rx.cond(
            LinksState.success != "",
            notice(LinksState.success, "success", id="koppelingen-melding"),
        ),
        rx.cond(
            LinksState.view.can_change,
            rx.el.label(
                rx.el.input(
                    type="checkbox",
                    checked=LinksState.terms_accepted,
                    on_change=LinksState.set_terms_accepted,
                    id="koppelingen-voorwaarden",
                ),
                " Ik ga namens de gemeente akkoord met de ",
                rx.link("Algemene voorwaarden", href=routes.TERMS),
                " voor aanleveringen door deze leverancier.",
            ),
            notice(
                "Alleen de productbeheerder CBS Monitor van de gemeente kan een leverancier "
                "toestaan of de toestemming intrekken.",
                "info",
            ),
        ),
        rx.cond(
            LinksState.view.rows.length() > 0,
            data_table(
                ["Softwareleverancier", "Toestemming", ""],
                LinksState.view.rows,
                _row,
                id="koppelingen",
            ),
            notice("Er zijn nog geen softwareleveranciers geregistreerd.", "info"),
        ),
        spacing="4",
        width="100%",
    )


def register(app: rx.App) -> None:
    tab_page(app, links_page, routes.SUPPLIER_LINKS, "Koppelingen", LinksState.load)
