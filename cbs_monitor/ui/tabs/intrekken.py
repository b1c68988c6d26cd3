"""Tab Intrekken aanlevering: per onderdeel withdraw from publication, inside the withdrawal window."""

from __future__ import annotations

import logging

import reflex as rx

from cbs_monitor import clock, db, routes
from cbs_monitor.models import ReportingPeriod, WithdrawalPart
from cbs_monitor.services import periods, withdrawals
from cbs_monitor.services.permissions import delegating_codes
from cbs_monitor.settings import get_settings
from cbs_monitor.ui import theme
from cbs_monitor.ui.components import error_notice, notice, window_notice
from cbs_monitor.ui.layout import cbs_monitor_page
from cbs_monitor.ui.tabs.common import GENERIC_ERROR, municipal_context, tab_page, to_login

log = logging.getLogger(__name__)


def _target_period(db_session) -> tuple[ReportingPeriod | None, bool]:
    """The period whose withdrawal window is open, else the next one to open, else the last closed."""
    open_now = periods.open_withdrawal_periods(db_session)
    if open_now:
        return open_now[0], True
    today = clock.today()
    all_periods = periods.all_periods(db_session)
    upcoming = [p for p in all_periods if p.withdrawal_opens_on > today]
    if upcoming:
        return min(upcoming, key=lambda p: p.withdrawal_opens_on), False
    closed = [p for p in all_periods if p.withdrawal_closes_on < today]
    return (max(closed, key=lambda p: p.withdrawal_closes_on) if closed else None), False


class WithdrawState(rx.State):
    period_code: str = ""
    window_open: bool = False
    window_text: str = ""
    delegating: bool = False
    form_url: str = ""
    parts: list[dict[str, str]] = []
    saved_text: str = ""
    error: str = ""

    def _fill(self, s, municipality_code: str) -> None:
        period, is_open = _target_period(s)
        self.window_open = is_open
        self.form_url = get_settings().cbs_form_url
        self.delegating = municipality_code in delegating_codes(s)
        if period is None:
            self.period_code = ""
            self.window_text = "Er is nog geen intrekperiode vastgesteld."
            self.parts = []
            return
        self.period_code = period.code
        window = periods.format_window(period.withdrawal_opens_on, period.withdrawal_closes_on)
        self.window_text = (
            f"U kunt de publicatie van verslagperiode {period.code} intrekken van {window}."
            if is_open
            else f"De intrekperiode voor verslagperiode {period.code} loopt van {window}. "
            "Buiten deze periode kunt u de selectie niet wijzigen."
        )
        chosen = withdrawals.selection(s, municipality_code, period.code)
        self.parts = [
            {
                "part": part.value,
                "label": label,
                "choice": "intrekken" if chosen[part] else "publiceren",
            }
            for part, label in withdrawals.PARTS
        ]
        latest = withdrawals.history(s, municipality_code, period.code)
        self.saved_text = (
            f"Laatst gewijzigd op {clock.format_local(latest[0].changed_at)}."
            if latest
            else "U heeft nog niets ingetrokken: alle onderdelen worden gepubliceerd."
        )

    @rx.event
    def load(self):
        context = municipal_context(self)
        if context is None:
            return to_login()
        self.error = ""
        with db.session() as s:
            self._fill(s, context.municipality_code)

    @rx.event
    def choose(self, part: str, choice: str):
        """Save one radio choice at once: the page always shows the selection of the last visit."""
        context = municipal_context(self)
        if context is None:
            return to_login()
        try:
            wanted = {WithdrawalPart(part): choice == "intrekken"}
        except ValueError:
            self.error = "Onbekend onderdeel."
            return
        try:
            with db.session() as s:
                withdrawals.save(
                    s, context.actor, context.municipality_code, self.period_code, wanted
                )
            with db.session() as s:
                self._fill(s, context.municipality_code)
            self.error = ""
            return rx.toast.success("Uw keuze is opgeslagen.")
        except withdrawals.WithdrawalRefused as refused:
            self.error = str(refused)
            with db.session() as s:
                self._fill(s, context.municipality_code)
        except Exception:
            log.exception("withdrawal failed")
            self.error = GENERIC_ERROR


def _radio(row: rx.Var, value: str, column: str) -> rx.Component:
    return rx.el.td(
        rx.el.input(
            type="radio",
            name="keuze-" + row["part"],
            value=value,
            checked=row["choice"] == value,
            disabled=~WithdrawState.window_open | WithdrawState.delegating,
            on_change=lambda _: WithdrawState.choose(row["part"], value),
            aria_label=column + ": " + row["label"],
            style={
                "width": "1.2rem",
                "height": "1.2rem",
                "cursor": "pointer",
                "accent_color": theme.PRIMARY,
            },
        ),
        text_align="center",
    )


def _row(row: rx.Var) -> rx.Component:
    return rx.el.tr(
        rx.el.td(row["label"]),
        _radio(row, "publiceren", "Publiceren"),
        _radio(row, "intrekken", "Aanlevering intrekken"),
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
        rx.el.tbody(rx.foreach(WithdrawState.parts, _row)),
        class_name="data-table",
        id="intrekken-tabel",
    )


@cbs_monitor_page(routes.WITHDRAW, "Intrekken aanlevering")
def withdraw_page() -> rx.Component:
    return rx.vstack(
        rx.cond(
            WithdrawState.delegating,
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
                    href=WithdrawState.form_url,
                    is_external=True,
                    id="cbs-formulier",
                ),
                # What CBS registered from the form, shown read-only.
                rx.cond(WithdrawState.parts.length() > 0, _selection_table()),
                rx.text(
                    WithdrawState.saved_text,
                    color=theme.TEXT_MUTED,
                    font_size="0.9rem",
                    id="laatst-opgeslagen",
                ),
                spacing="3",
                width="100%",
            ),
            rx.vstack(
                window_notice(
                    WithdrawState.window_open, WithdrawState.window_text, "intrekvenster"
                ),
                rx.text(
                    "In dit tabblad kunt u per onderdeel de aanlevering voor gebruik en publicatie van uw "
                    "geleverde gegevens intrekken. Bent u akkoord met de publicatie, dan hoeft u niets te doen. "
                    "Het systeem laat altijd de selectie van uw laatste bezoek zien."
                ),
                error_notice(WithdrawState.error),
                rx.cond(WithdrawState.parts.length() > 0, _selection_table()),
                rx.text(
                    WithdrawState.saved_text,
                    color=theme.TEXT_MUTED,
                    font_size="0.9rem",
                    id="laatst-opgeslagen",
                ),
                spacing="4",
                width="100%",
            ),
        ),
        width="100%",
    )


def register(app: rx.App) -> None:
    tab_page(app, withdraw_page, routes.WITHDRAW, "Intrekken aanlevering", WithdrawState.load)
