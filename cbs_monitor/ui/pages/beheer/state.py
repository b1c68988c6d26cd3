"""The state of /beheer: the servicedesk view and the result of each action on it."""

from __future__ import annotations

import reflex as rx

from cbs_monitor.services.accounts import servicedesk
from cbs_monitor.services.accounts.servicedesk import AdminDone, BeheerView, RoleEditor
from cbs_monitor.ui.portal_state import show_frame
from cbs_monitor.ui.service_call import run

ROLES = list(servicedesk.ROLE_OPTIONS)
KINDS = [(kind.value, kind.label) for kind in servicedesk.KIND_OPTIONS]
NO_ACCESS = "U heeft geen toegang tot Beheer."


class BeheerState(rx.State):
    """What /beheer shows, as the servicedesk service returns it; every action goes through it."""

    view: BeheerView | None = None
    editor: RoleEditor | None = None
    edit_roles: list[str] = []
    issued_code: str = ""
    user_form_key: int = 0  # raised after a user was added, which empties the form
    issued_for: str = ""
    error: str = ""
    success: str = ""

    async def _act(self, use_case):
        """Run one /beheer action; show what it did, or why not."""
        self.error = self.success = ""
        outcome = await run(self, use_case)
        if outcome.value is None:
            self.error = outcome.error
            return outcome.event
        done: AdminDone = outcome.value
        self.view, self.success = done.view, done.message
        if done.issued_code:
            self.issued_code, self.issued_for = done.issued_code, done.issued_for
        return None

    @rx.event
    async def load(self):
        self.issued_code = self.issued_for = ""
        self.editor = None
        outcome = await run(
            self, lambda db, context: servicedesk.beheer_view(db, context.actor), page_load=True
        )
        await show_frame(self, outcome)
        self.view, self.error = outcome.value, outcome.error
        return outcome.event

    @rx.event
    async def add_organisation(self, form_data: dict):
        form = dict(form_data)
        return await self._act(
            lambda db, context: servicedesk.add_organisation_from_form(db, context.actor, form)
        )

    @rx.event
    async def add_user(self, form_data: dict):
        form = dict(form_data)
        roles = _roles_from_form(form)
        away = await self._act(
            lambda db, context: servicedesk.add_user_from_form(db, context.actor, form, roles)
        )
        if not self.error:
            self.user_form_key += 1
        return away

    @rx.event
    async def edit_roles_of(self, user_id: int):
        outcome = await run(
            self, lambda db, context: servicedesk.role_editor(db, context.actor, user_id)
        )
        self.editor, self.error = outcome.value, outcome.error
        self.edit_roles = list(outcome.value.roles) if outcome.value else []
        return outcome.event

    @rx.event
    def toggle_edit_role(self, role: str):
        chosen = set(self.edit_roles) ^ {role}
        self.edit_roles = [r for r in ROLES if r in chosen]

    @rx.event
    def cancel_edit(self):
        self.editor = None

    @rx.event
    async def save_roles(self):
        if self.editor is None:
            self.error = "Kies eerst een gebruiker."
            return None
        user_id, roles = self.editor.user_id, list(self.edit_roles)
        away = await self._act(
            lambda db, context: servicedesk.save_roles(db, context.actor, user_id, roles)
        )
        if not self.error:
            self.editor = None
        return away

    @rx.event
    async def set_active(self, user_id: int, active: bool):
        return await self._act(
            lambda db, context: servicedesk.change_active(db, context.actor, user_id, bool(active))
        )

    @rx.event
    async def issue_code(self, user_id: int):
        return await self._act(
            lambda db, context: servicedesk.issue_code_for(db, context.actor, user_id)
        )

    @rx.event
    def hide_code(self):
        self.issued_code = self.issued_for = ""

    @rx.event
    async def add_delegation(self, form_data: dict):
        form = dict(form_data)
        return await self._act(
            lambda db, context: servicedesk.add_delegation_from_form(db, context.actor, form)
        )

    @rx.event
    async def end_delegation(self, delegation_id: int):
        return await self._act(
            lambda db, context: servicedesk.end_delegation_now(db, context.actor, delegation_id)
        )


def _roles_from_form(form_data: dict) -> list[str]:
    """Checked role boxes arrive as role_<index>: 'on'."""
    return [
        role for i, role in enumerate(ROLES) if form_data.get(f"role_{i}") in ("on", True, "true")
    ]


# --- components ----------------------------------------------------------------------------------
