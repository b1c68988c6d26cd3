"""The Verslagperioden tab of /cbs: create a period and set its windows (the scheduler reads them)."""

from __future__ import annotations

import dataclasses

import reflex as rx

from cbs_monitor import dutch
from cbs_monitor.services.review import periods as review_periods
from cbs_monitor.services.review.periods import PeriodForm, PeriodRow, PeriodsView
from cbs_monitor.ui import theme
from cbs_monitor.ui.components import data_table, date_input, error_notice, notice
from cbs_monitor.ui.service_call import run

FORM_FIELDS = ("code", *review_periods.PERIOD_FIELDS)


class CbsPeriodState(rx.State):
    rows: list[PeriodRow] = []
    form: PeriodForm = PeriodForm()
    error: str = ""
    saved: str = ""

    async def _show(self, use_case, *, saved: str = ""):
        outcome = await run(self, use_case)
        if outcome.value is None:
            self.error, self.saved = outcome.error, ""
            return outcome.event
        view: PeriodsView = outcome.value
        self.rows, self.form, self.error, self.saved = list(view.rows), view.form, "", saved
        return None

    @rx.event
    async def load(self):
        return await self._show(lambda db, context: review_periods.periods_view(db, context.actor))

    @rx.event
    async def new_period(self):
        return await self._show(lambda db, context: review_periods.periods_view(db, context.actor))

    @rx.event
    async def edit(self, code: str):
        return await self._show(
            lambda db, context: review_periods.periods_view(db, context.actor, editing=code)
        )

    @rx.event
    def set_field(self, name: str, value: str):
        """Text only until save() has the service check it (state_auto_setters is off)."""
        if name in FORM_FIELDS:
            text = str(value)[:10] if name == "code" else dutch.as_entered(str(value))
            self.form = dataclasses.replace(self.form, **{name: text})

    @rx.event
    async def save(self):
        form = self.form
        return await self._show(
            lambda db, context: review_periods.save_period_form(db, context.actor, form),
            saved=f"Verslagperiode {(form.editing or form.code).strip().upper()} is opgeslagen. "
            "De planner neemt de vensters over.",
        )


def _period_row(row: rx.Var[PeriodRow]) -> rx.Component:
    return rx.el.tr(
        rx.el.td(
            rx.text(row.code, font_weight="600"),
            rx.cond(row.state != "", rx.badge(row.state, color_scheme="green", variant="soft")),
        ),
        rx.el.td(row.delivery),
        rx.el.td(row.withdrawal),
        rx.el.td(row.publication),
        rx.el.td(
            rx.button(
                "Wijzigen",
                size="1",
                variant="soft",
                on_click=CbsPeriodState.edit(row.code),
                aria_label="Wijzigen: verslagperiode " + row.code,
            )
        ),
    )


def _date_field(label: str, element_id: str, name: str) -> rx.Component:
    return date_input(
        label,
        element_id,
        getattr(CbsPeriodState.form, name),
        lambda value: CbsPeriodState.set_field(name, value),
    )


def periods_tab(after_save) -> rx.Component:
    """The tab; `after_save` runs after Opslaan (the desk reloads its list of periods)."""
    form = CbsPeriodState.form
    return rx.vstack(
        data_table(
            ["Verslagperiode", "Aanleverperiode", "Intrekperiode", "Publicatie", ""],
            CbsPeriodState.rows,
            _period_row,
            id="perioden",
        ),
        rx.box(
            rx.hstack(
                rx.heading(
                    rx.cond(
                        form.editing != "",
                        "Verslagperiode " + form.editing + " wijzigen",
                        "Nieuwe verslagperiode",
                    ),
                    size="4",
                    as_="h3",
                ),
                rx.spacer(),
                rx.cond(
                    form.editing != "",
                    rx.button(
                        "Nieuwe periode",
                        on_click=CbsPeriodState.new_period,
                        variant="ghost",
                        size="2",
                    ),
                ),
                width="100%",
                align="center",
            ),
            rx.cond(
                form.editing == "",
                rx.vstack(
                    rx.el.label(
                        "Code (bijvoorbeeld 2027H1)",
                        html_for="periode-code",
                        font_weight="600",
                        font_size="0.9rem",
                    ),
                    rx.el.input(
                        id="periode-code",
                        value=form.code,
                        on_change=lambda value: CbsPeriodState.set_field("code", value),
                        placeholder="JJJJH1",
                        style={
                            "padding": "0.4rem 0.5rem",
                            "border": f"1px solid {theme.BORDER}",
                            "border_radius": "4px",
                            "width": "8rem",
                        },
                    ),
                    spacing="1",
                    margin_top="0.75rem",
                ),
            ),
            rx.hstack(
                _date_field("Aanleverperiode open op", "aanlever-open", "delivery_opens_on"),
                _date_field("Aanleverperiode sluit op", "aanlever-sluit", "delivery_closes_on"),
                _date_field("Intrekperiode open op", "intrek-open", "withdrawal_opens_on"),
                _date_field("Intrekperiode sluit op", "intrek-sluit", "withdrawal_closes_on"),
                _date_field("Publicatiedatum", "publicatie", "publication_date"),
                spacing="4",
                wrap="wrap",
                margin_top="0.75rem",
            ),
            error_notice(CbsPeriodState.error, margin_top="0.75rem"),
            rx.cond(
                CbsPeriodState.saved != "",
                notice(
                    CbsPeriodState.saved, "success", margin_top="0.75rem", id="periode-opgeslagen"
                ),
            ),
            rx.button(
                "Opslaan",
                on_click=[CbsPeriodState.save, after_save],
                size="3",
                margin_top="1rem",
                id="periode-opslaan",
                style={"background": theme.PRIMARY},
            ),
            style=theme.card,
        ),
        spacing="4",
        width="100%",
    )
