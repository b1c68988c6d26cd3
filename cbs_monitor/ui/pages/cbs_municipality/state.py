"""The state of /cbs/gemeente/[code]: what the review service returns, and the decisions taken there."""

from __future__ import annotations

import reflex as rx

from cbs_monitor.services import report_files
from cbs_monitor.services.review import decisions
from cbs_monitor.services.review import municipality_file as file_service
from cbs_monitor.services.review.decisions import DecisionPrompt
from cbs_monitor.services.review.municipality_file import (
    FindingsView,
    MessagePage,
    MunicipalityPage,
    PageAfterDecision,
)
from cbs_monitor.ui.portal_state import show_frame
from cbs_monitor.ui.service_call import run


class CbsMunicipalityState(rx.State):
    """A municipality's file for CBS; which municipality comes from the URL, the service checks it."""

    code: str = ""
    found: bool = True
    page: MunicipalityPage | None = None
    messages: MessagePage | None = None
    findings: FindingsView | None = None
    withdrawal_period: str = ""
    withdrawal_choices: dict[str, str] = {}  # edited on the page until registered
    # The decision being confirmed in the dialog (reason required).
    prompt: DecisionPrompt | None = None
    action_open: bool = False
    action_error: str = ""
    withdrawal_error: str = ""
    error: str = ""

    def _show(self, page: MunicipalityPage) -> None:
        self.page, self.messages, self.found = page, page.messages, True
        self.withdrawal_period = page.withdrawal_period
        self.withdrawal_choices = {p.part: p.choice for p in page.withdrawal_parts}

    @rx.event
    async def load(self):
        self.code = self.router.page.params.get("gemeentecode", "") or ""
        self.findings, self.prompt, self.action_open = None, None, False
        self.error = self.withdrawal_error = ""
        code, period = self.code, self.withdrawal_period
        outcome = await run(
            self,
            lambda db, context: file_service.municipality_page(
                db, context.actor, code, withdrawal_period=period
            ),
            page_load=True,
        )
        await show_frame(self, outcome)
        if outcome.value is not None:
            self._show(outcome.value)
        else:
            self.page, self.found, self.error = None, outcome.not_permitted, outcome.error
        return outcome.event

    @rx.event
    async def show_findings(self, delivery_id: int):
        if self.findings is not None and self.findings.delivery_id == delivery_id:
            self.findings = None  # a second click folds them away
            return None
        code = self.code
        outcome = await run(
            self,
            lambda db, context: file_service.findings_view(db, context.actor, code, delivery_id),
        )
        self.findings, self.error = outcome.value, outcome.error
        return outcome.event

    @rx.event
    async def download(self, report_id: int):
        code = self.code
        outcome = await run(
            self,
            lambda db, context: report_files.grant_report(
                db, context.actor, report_id, municipality_code=code
            ),
        )
        self.error = outcome.error
        if outcome.value is None:
            return outcome.event
        return rx.download(url=outcome.value)

    @rx.event
    async def open_action(self, kind: str, target_id: int):
        code = self.code
        outcome = await run(
            self,
            lambda db, context: decisions.decision_prompt(db, context.actor, code, kind, target_id),
        )
        self.prompt, self.error, self.action_error = outcome.value, outcome.error, ""
        self.action_open = outcome.value is not None
        return outcome.event

    @rx.event
    def close_action(self):
        self.action_open, self.action_error = False, ""

    @rx.event
    def set_action_open(self, value: bool):
        # The dialog closes itself on Escape or a click outside it; it never opens itself.
        if not value:
            self.action_open, self.action_error = False, ""

    @rx.event
    async def confirm_action(self, form: dict):
        if self.prompt is None:
            return None
        code, period, reason = self.code, self.withdrawal_period, str(form.get("reden", ""))
        kind, target = self.prompt.kind, self.prompt.target_id
        outcome = await run(
            self,
            lambda db, context: file_service.take_decision(
                db, context.actor, code, kind, target, reason, withdrawal_period=period
            ),
        )
        if outcome.value is None:
            self.action_error = outcome.error
            return outcome.event
        result: PageAfterDecision = outcome.value
        self.action_open, self.action_error, self.prompt = False, "", None
        self._show(result.page)
        return rx.toast.success(result.done)

    @rx.event
    async def choose_withdrawal_period(self, period_code: str):
        code = self.code
        outcome = await run(
            self,
            lambda db, context: file_service.withdrawal_parts(db, context.actor, code, period_code),
        )
        if outcome.value is None:
            self.withdrawal_error = outcome.error
            return outcome.event
        self.withdrawal_period, self.withdrawal_error = period_code, ""
        self.withdrawal_choices = {p.part: p.choice for p in outcome.value}
        return None

    @rx.event
    def set_withdrawal_choice(self, part: str, choice: str):
        """A radio on the form; nothing is saved until the form is registered (the service checks)."""
        self.withdrawal_choices = {**self.withdrawal_choices, str(part): str(choice)}

    @rx.event
    async def register_withdrawal(self, form: dict):
        code, period, choices = self.code, self.withdrawal_period, dict(self.withdrawal_choices)
        reason = str(form.get("reden", ""))
        outcome = await run(
            self,
            lambda db, context: file_service.register_form_withdrawal(
                db, context.actor, code, period, choices, reason
            ),
        )
        if outcome.value is None:
            self.withdrawal_error = outcome.error
            return outcome.event
        self.withdrawal_error = ""
        self._show(outcome.value.page)
        return [rx.set_value("formulier-reden", ""), rx.toast.success(outcome.value.done)]

    async def _messages(self, page: int):
        code = self.code
        outcome = await run(
            self, lambda db, context: file_service.message_page(db, context.actor, code, page)
        )
        if outcome.value is not None:
            self.messages = outcome.value
        self.error = outcome.error
        return outcome.event

    @rx.event
    async def next_messages(self):
        return await self._messages((self.messages.page if self.messages else 1) + 1)

    @rx.event
    async def previous_messages(self):
        return await self._messages((self.messages.page if self.messages else 1) - 1)
