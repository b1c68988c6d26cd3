"""The Leveranciers tab of /beheer: software suppliers, their API clients, and secrets shown once."""

from __future__ import annotations

import reflex as rx

from cbs_monitor.services import suppliers
from cbs_monitor.services.suppliers import ClientLine, SecretDone, SupplierLine, SuppliersView
from cbs_monitor.ui import theme
from cbs_monitor.ui.components import data_table, error_notice, notice
from cbs_monitor.ui.pages.beheer.fields import field
from cbs_monitor.ui.service_call import run


class SuppliersState(rx.State):
    view: SuppliersView | None = None
    # Shown once, right after it was made; gone with the next action or "Verbergen".
    client_id: str = ""
    client_secret: str = ""
    form_key: int = 0
    error: str = ""
    success: str = ""

    @rx.event
    async def load(self):
        self.client_id = self.client_secret = ""
        outcome = await run(
            self, lambda db, context: suppliers.suppliers_view(db, context.actor), page_load=True
        )
        self.view, self.error = outcome.value, outcome.error
        return outcome.event

    async def _act(self, use_case):
        self.error = self.success = self.client_id = self.client_secret = ""
        outcome = await run(self, use_case)
        if outcome.value is None:
            self.error = outcome.error
            return outcome.event
        done: SecretDone = outcome.value
        self.view, self.success = done.view, done.message
        self.client_id, self.client_secret = done.client_id, done.client_secret
        self.form_key += 1
        return None

    @rx.event
    async def register_supplier(self, form_data: dict):
        name, identifier = str(form_data.get("name", "")), str(form_data.get("identifier", ""))
        return await self._act(
            lambda db, context: suppliers.register_supplier(db, context.actor, name, identifier)
        )

    @rx.event
    async def create_client(self, form_data: dict):
        org, name = str(form_data.get("organisation_id", "")), str(form_data.get("name", ""))
        if not org.isdigit():
            self.error = "Kies een softwareleverancier."
            return None
        return await self._act(
            lambda db, context: suppliers.create_client(db, context.actor, int(org), name)
        )

    @rx.event
    async def rotate(self, client_id: str):
        return await self._act(
            lambda db, context: suppliers.rotate_secret(db, context.actor, str(client_id))
        )

    @rx.event
    async def revoke(self, client_id: str):
        return await self._act(
            lambda db, context: suppliers.revoke_client(db, context.actor, str(client_id))
        )

    @rx.event
    def hide_secret(self):
        self.client_id = self.client_secret = ""


def _secret() -> rx.Component:
    return rx.cond(
        SuppliersState.client_secret != "",
        rx.callout.root(
            rx.callout.text("client_id: ", rx.el.code(SuppliersState.client_id, id="client-id")),
            rx.callout.text(
                "client_secret: ",
                rx.el.code(SuppliersState.client_secret, id="client-secret"),
            ),
            rx.callout.text(
                "Het geheim wordt maar één keer getoond; alleen een hash wordt bewaard. Geef het "
                "veilig door aan de leverancier."
            ),
            rx.button(
                "Verbergen", size="1", variant="outline", on_click=SuppliersState.hide_secret
            ),
            color_scheme="green",
            role="status",
            width="100%",
        ),
    )


def _supplier_row(s: rx.Var[SupplierLine]) -> rx.Component:
    return rx.el.tr(
        rx.el.td(s.name), rx.el.td(s.identifier), rx.el.td(s.municipalities), rx.el.td(s.clients)
    )


def _client_row(c: rx.Var[ClientLine]) -> rx.Component:
    return rx.el.tr(
        rx.el.td(rx.el.code(c.client_id)),
        rx.el.td(c.name),
        rx.el.td(c.supplier),
        rx.el.td(c.secret_set),
        rx.el.td(c.status),
        rx.el.td(
            rx.cond(
                c.active,
                rx.hstack(
                    rx.button(
                        "Nieuw geheim", size="1", on_click=SuppliersState.rotate(c.client_id)
                    ),
                    rx.button(
                        "Intrekken",
                        size="1",
                        color_scheme="red",
                        variant="outline",
                        on_click=SuppliersState.revoke(c.client_id),
                    ),
                ),
            )
        ),
    )


def _supplier_select() -> rx.Component:
    return rx.vstack(
        rx.el.label("Softwareleverancier", html_for="beheer-leverancier", font_weight="600"),
        rx.el.select(
            rx.el.option("Kies…", value=""),
            rx.foreach(SuppliersState.view.suppliers, lambda s: rx.el.option(s.name, value=s.id)),
            id="beheer-leverancier",
            name="organisation_id",
        ),
        spacing="1",
    )


def suppliers_tab() -> rx.Component:
    return rx.vstack(
        rx.text(
            "Softwareleveranciers leveren via de aanlever-API (/api/v1) aan voor gemeenten die "
            "hen daarvoor toestemming gaven (tab Koppelingen van de gemeente).",
            color=theme.TEXT_MUTED,
        ),
        error_notice(SuppliersState.error, id="leveranciers-fout"),
        rx.cond(
            SuppliersState.success != "",
            notice(SuppliersState.success, "success", id="leveranciers-melding"),
        ),
        _secret(),
        data_table(
            ["Naam", "KvK-nummer", "Gemeenten met toestemming", "Koppelingen"],
            SuppliersState.view.suppliers,
            _supplier_row,
            id="leveranciers-tabel",
        ),
        rx.heading("Leverancier registreren", size="4", as_="h3", margin_top="1rem"),
        rx.form(
            rx.hstack(
                field("Naam", "name", id_suffix="lev-"),
                field("KvK-nummer", "identifier", inputmode="numeric", id_suffix="lev-"),
                rx.button("Registreren", type="submit", id="leverancier-registreren"),
                wrap="wrap",
                spacing="4",
                align="end",
            ),
            on_submit=SuppliersState.register_supplier,
            reset_on_submit=True,
        ),
        rx.heading("Koppelingen (API-clients)", size="4", as_="h3", margin_top="1rem"),
        data_table(
            ["Client-id", "Naam", "Leverancier", "Geheim sinds", "Status", ""],
            SuppliersState.view.clients,
            _client_row,
            id="clients-tabel",
        ),
        rx.form(
            rx.hstack(
                _supplier_select(),
                field("Naam van de koppeling", "name", id_suffix="client-"),
                rx.button("Koppeling aanmaken", type="submit", id="client-aanmaken"),
                wrap="wrap",
                spacing="4",
                align="end",
            ),
            on_submit=SuppliersState.create_client,
            reset_on_submit=True,
        ),
        spacing="3",
        width="100%",
    )
