"""Tab Intrekken aanlevering: per onderdeel withdraw from publication, inside the withdrawal window."""

from __future__ import annotations

import reflex as rx

from cbs_monitor import routes
from cbs_monitor.services import withdrawals
from cbs_monitor.services.withdrawals import PartChoice, WithdrawView
from cbs_monitor.ui import theme
from cbs_monitor.ui.components import error_notice, notice, window_notice
from cbs_monitor.ui.layout import cbs_monitor_page
from cbs_monitor.ui.portal_state import show_frame
from cbs_monitor.ui.service_call import run
from cbs_monitor.ui.tabs.common import tab_page


class WithdrawState(rx.State):
    view: WithdrawView | None = None
    error: str = ""

    async def _apply(self, use_case, *, page_load: bool = False):
        outcome = await run(self, use_case, page_load=page_load)
        await show_frame(self, outcome)
        if outcome.value is not None:
            self.view, self.error = outcome.value, ""
            if outcome.value.saved_now:
                return rx.toast.success("Uw keuze is opgeslagen.")
            return None
        self.error = outcome.error
        if outcome.event is None and not page_load:
            # Show what holds now (e.g. the window closed meanwhile), next to the refusal.
            refreshed = await run(self, _page)
            if refreshed.value is not None:
                self.view = refreshed.value
        return outcome.event

    @rx.event
    async def load(self):
        return await self._apply(_page, page_load=True)

    @rx.event
    async def choose(self, part: str, choice: str):
        """Save one radio choice at once: the page always shows the selection of the last visit."""
        return await self._apply(
            lambda db, context: withdrawals.choose(
                db, context.actor, context.require_municipality(), part, choice
            )
        )


def _page(db, context) -> WithdrawView:
    return withdrawals.withdrawal_page(db, context.actor, context.require_municipality())


def _radio(row: rx.Var[PartChoice], value: str, column: str) -> rx.Component:
    view = WithdrawState.view
    return rx.el.td(
        rx.el.input(
            type="radio",
            name="keuze-" + row.part,
            value=value,
            checked=row.choice == value,
            disabled=~view.window_open | view.delegating,
            on_change=lambda _: WithdrawState.choose(row.part, value),
            aria_label=column + ": " + row.label,
            style={
                "width": "1.2rem",
                "height": "1.2rem",
                "cursor": "pointer",
                "accent_color": theme.PRIMARY,
            },
        ),
        text_align="center",
    )


def _row(row: rx.Var[PartChoice]) -> rx.Component:
    return rx.el.tr(
        rx.el.td(row.label),
        _radio(row, withdrawals.PUBLISH, "Publiceren"),
        _radio(row, withdrawals.WITHDRAW, "Aanlevering intrekken"),
    )


def _selection_table() -> rx.Component:
    return rx.el.table(
        rx.el.thead(
            rx.el.tr(
                rx.el.th("Onderdeel", scope="col"),
                rx.el.th("Publiceren", scope="col", text_align="center"),
                rx.el.th("Aanlevering intrekken", scope="col", text_align="center"),
            )
        ),
        rx.el.tbody(rx.foreach(WithdrawState.view.parts, _row)),
        class_name="data-table",
        id="intrekken-tabel",
    )


def _registered_row(row: rx.Var[PartChoice]) -> rx.Component:
    """A choice CBS registered from the form: said in words, not as a greyed-out radio."""
    withdrawn = row.choice == withdrawals.WITHDRAW
    return rx.el.tr(
        rx.el.td(row.label),
        rx.el.td(
            rx.hstack(
                rx.icon(rx.cond(withdrawn, "circle-x", "circle-check"), size=18),
                rx.text(rx.cond(withdrawn, "Ingetrokken", "Wordt gepubliceerd")),
                spacing="2",
                align="center",
                color=rx.cond(withdrawn, theme.DANGER, theme.ACCENT_GREEN),
                font_weight="600",
            )
        ),
    )


def _registered_table() -> rx.Component:
    """A delegating municipality's selection as CBS registered it from the form (read-only)."""
    return rx.el.table(
        rx.el.caption(
            "Wat CBS heeft geregistreerd van uw formulier voor verslagperiode ",
            WithdrawState.view.period_code,
            class_name="table-caption",
        ),
        rx.el.thead(
            rx.el.tr(
                rx.el.th("Onderdeel", scope="col"),
                rx.el.th("Stand", scope="col"),
            )
        ),
        rx.el.tbody(rx.foreach(WithdrawState.view.parts, _registered_row)),
        class_name="data-table",
        id="intrekken-tabel",
    )


@cbs_monitor_page(routes.WITHDRAW, "Intrekken aanlevering")
def withdraw_page() -> rx.Component:
    return rx.vstack(
        error_notice(WithdrawState.error),
        rx.cond(
            WithdrawState.view,
            _body(),
        ),
        width="100%",
    )


def _body() -> rx.Component:
    return rx.cond(
        WithdrawState.view.delegating,
        rx.vstack(
            notice(
                "Voor deelnemende gemeenten (delegerende gemeenten) in een samenwerkingsverband is het niet "
                "mogelijk om de gegevensaanlevering in te trekken via het GGk portaal. Gebruik het formulier "
                "op de website van CBS.",
                "warning",
                id="delegerend",
            ),
            rx.link(
                "Naar het formulier op de website van CBS",
                href=WithdrawState.view.form_url,
                is_external=True,
                id="cbs-formulier",
            ),
            rx.cond(WithdrawState.view.parts.length() > 0, _registered_table()),
            rx.text(
                WithdrawState.view.saved_text,
                color=theme.TEXT_MUTED,
                font_size="0.9rem",
                id="laatst-opgeslagen",
            ),
            spacing="3",
            width="100%",
        ),
        rx.vstack(
            window_notice(
                WithdrawState.view.window_open, WithdrawState.view.window_text, "intrekvenster"
            ),
            rx.text(
                "In dit tabblad kunt u per onderdeel de aanlevering voor gebruik en publicatie van uw "
                "geleverde gegevens intrekken. Bent u akkoord met de publicatie, dan hoeft u niets te doen. "
                "Het systeem laat altijd de selectie van uw laatste bezoek zien."
            ),
            rx.cond(WithdrawState.view.parts.length() > 0, _selection_table()),
            rx.text(
                WithdrawState.view.saved_text,
                color=theme.TEXT_MUTED,
                font_size="0.9rem",
                id="laatst-opgeslagen",
            ),
            spacing="4",
            width="100%",
        ),
    )


def register(app: rx.App) -> None:
    tab_page(app, withdraw_page, routes.WITHDRAW, "Intrekken aanlevering", WithdrawState.load)
