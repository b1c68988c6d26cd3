"""/beheer, the servicedesk page: organisations, users and roles, delegations, verification codes.

Every handler resolves the actor from the server-side session and re-checks Action.administer;
the business rules live in services/accounts.py.
"""

from __future__ import annotations

import logging

import reflex as rx

from cbs_monitor import db, routes
from cbs_monitor.models import OrganisationKind, Role
from cbs_monitor.services import accounts
from cbs_monitor.services.permissions import Action, Actor, can
from cbs_monitor.ui import theme
from cbs_monitor.ui.components import data_table, error_notice, notice
from cbs_monitor.ui.layout import page_frame
from cbs_monitor.ui.portal_state import PortalState, resolve_context

log = logging.getLogger(__name__)

GENERIC_ERROR = "Er ging iets mis. Probeer het opnieuw."
NO_ACCESS = "U heeft geen toegang tot Beheer."
ROLES = [role.value for role in Role]
KINDS = [(kind.value, accounts.KIND_LABELS[kind]) for kind in OrganisationKind]


def _servicedesk_actor(state: rx.State) -> Actor | None:
    context = resolve_context(state)
    if context is None or not can(context.actor, Action.administer):
        return None
    return context.actor


def _int(value) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


class BeheerState(rx.State):
    """State of /beheer. Lists are summaries for display; nothing here is trusted as input."""

    organisations: list[dict[str, str]] = []
    users: list[dict[str, str]] = []
    delegations: list[dict[str, str]] = []
    blocked: list[dict[str, str]] = []
    organisation_options: list[dict[str, str]] = []
    cooperative_options: list[dict[str, str]] = []
    edit_user_id: str = ""
    edit_user_name: str = ""
    edit_roles: list[str] = []
    issued_code: str = ""
    issued_for: str = ""
    error: str = ""
    success: str = ""

    # --- helpers (not callable from the browser) ---------------------------------------------

    def _refresh(self) -> None:
        with db.session() as s:
            orgs = accounts.list_organisations(s)
            users = accounts.list_users(s)
            delegations = accounts.list_delegations(s)
        self.organisations = [
            {
                "id": str(o.id),
                "kind": o.kind,
                "name": o.name,
                "identifier": o.identifier,
                "municipality_code": o.municipality_code,
                "users": str(o.users),
            }
            for o in orgs
        ]
        self.organisation_options = [
            {"id": str(o.id), "label": f"{o.name} ({o.kind})"} for o in orgs
        ]
        self.cooperative_options = [
            {"id": str(o.id), "label": o.name}
            for o in orgs
            if o.kind == accounts.KIND_LABELS[OrganisationKind.cooperative]
        ]
        self.users = [self._user_row(u) for u in users]
        self.blocked = [
            row for row in self.users if row["code_status"] == accounts.CodeStatus.blocked.value
        ]
        self.delegations = [
            {
                "id": str(d.id),
                "municipality": f"{d.municipality_name} ({d.municipality_code})",
                "organisation": d.organisation,
                "valid_from": d.valid_from,
                "valid_to": d.valid_to or "—",
                "active": "1" if d.active else "",
            }
            for d in delegations
        ]

    @staticmethod
    def _user_row(u: accounts.UserRow) -> dict[str, str]:
        return {
            "id": str(u.id),
            "name": u.name,
            "email": u.email,
            "employee_id": u.employee_id,
            "organisation": u.organisation,
            "roles": u.roles,
            "active": "1" if u.active else "",
            "status": "actief" if u.active else "gedeactiveerd",
            "linked": "gekoppeld" if u.linked else "nog niet gekoppeld",
            "code_status": u.code_status,
            "code_text": (f"geldig tot {u.code_expires}" if u.code_expires else u.code_status)
            + (f" ({u.failed_attempts} onjuist)" if u.failed_attempts else ""),
        }

    def _start(self) -> Actor | None:
        """Every handler begins here: who is this, and are they the servicedesk?"""
        self.error = ""
        self.success = ""
        return _servicedesk_actor(self)

    def _refused(self):
        self.error = NO_ACCESS
        if resolve_context(self) is None:
            return rx.redirect(routes.LOGIN)
        return rx.toast.error(NO_ACCESS)

    def _done(self, message: str) -> None:
        self.success = message
        self._refresh()

    # --- events ------------------------------------------------------------------------------

    @rx.event
    def load(self):
        actor = self._start()
        if actor is None:
            if resolve_context(self) is None:
                return rx.redirect(routes.LOGIN)
            return rx.redirect(routes.HOME)
        self.issued_code = ""
        self.issued_for = ""
        self.edit_user_id = ""
        self._refresh()

    @rx.event
    def add_organisation(self, form_data: dict):
        if self._start() is None:
            return self._refused()
        try:
            with db.session() as s:
                org = accounts.add_organisation(
                    s,
                    kind=str(form_data.get("kind", "")),
                    name=str(form_data.get("name", "")),
                    identifier=str(form_data.get("identifier", "")),
                    municipality_code=str(form_data.get("municipality_code", "")),
                )
                name = org.name
            self._done(f"Organisatie {name} is toegevoegd.")
        except accounts.AccountError as refused:
            self.error = str(refused)
        except Exception:
            log.exception("beheer: add organisation failed")
            self.error = GENERIC_ERROR

    @rx.event
    def add_user(self, form_data: dict):
        if self._start() is None:
            return self._refused()
        organisation_id = _int(form_data.get("organisation_id"))
        if organisation_id is None:
            self.error = "Kies een organisatie."
            return
        try:
            with db.session() as s:
                user = accounts.add_user(
                    s,
                    organisation_id=organisation_id,
                    name=str(form_data.get("name", "")),
                    email=str(form_data.get("email", "")),
                    employee_id=str(form_data.get("employee_id", "")),
                    roles=_roles_from_form(form_data),
                )
                name = user.name
            self._done(
                f"Gebruiker {name} is toegevoegd. Geef een verificatiecode uit voor de eerste inlog."
            )
        except accounts.AccountError as refused:
            self.error = str(refused)
        except Exception:
            log.exception("beheer: add user failed")
            self.error = GENERIC_ERROR

    @rx.event
    def edit_roles_of(self, user_id: str):
        if self._start() is None:
            return self._refused()
        row = next((u for u in self.users if u["id"] == str(user_id)), None)
        if row is None:
            self.error = "Deze gebruiker bestaat niet."
            return
        self.edit_user_id = row["id"]
        self.edit_user_name = row["name"]
        self.edit_roles = [r for r in ROLES if r in row["roles"].split(", ")]

    @rx.event
    def toggle_edit_role(self, role: str):
        if self._start() is None:
            return self._refused()
        self.edit_roles = _toggled(self.edit_roles, role)

    @rx.event
    def cancel_edit(self):
        if self._start() is None:
            return self._refused()
        self.edit_user_id = ""

    @rx.event
    def save_roles(self):
        actor = self._start()
        if actor is None:
            return self._refused()
        user_id = _int(self.edit_user_id)
        if user_id is None:
            self.error = "Kies eerst een gebruiker."
            return
        try:
            with db.session() as s:
                accounts.set_roles(s, user_id, list(self.edit_roles), acting_user_id=actor.user_id)
            self.edit_user_id = ""
            self._done(f"De rollen van {self.edit_user_name} zijn opgeslagen.")
        except accounts.AccountError as refused:
            self.error = str(refused)
        except Exception:
            log.exception("beheer: save roles failed")
            self.error = GENERIC_ERROR

    @rx.event
    def set_active(self, user_id: str, active: bool):
        actor = self._start()
        if actor is None:
            return self._refused()
        target = _int(user_id)
        if target is None:
            self.error = "Deze gebruiker bestaat niet."
            return
        try:
            with db.session() as s:
                accounts.set_active(s, target, bool(active), acting_user_id=actor.user_id)
            self._done(
                "De gebruiker is geactiveerd."
                if active
                else "De gebruiker is gedeactiveerd; lopende sessies zijn beëindigd."
            )
        except accounts.AccountError as refused:
            self.error = str(refused)
        except Exception:
            log.exception("beheer: set active failed")
            self.error = GENERIC_ERROR

    @rx.event
    def issue_code(self, user_id: str):
        actor = self._start()
        if actor is None:
            return self._refused()
        target = _int(user_id)
        if target is None:
            self.error = "Deze gebruiker bestaat niet."
            return
        try:
            with db.session() as s:
                code = accounts.issue_code(s, target, issued_by_user_id=actor.user_id)
            row = next((u for u in self.users if u["id"] == str(target)), None)
            self.issued_code = code
            self.issued_for = row["name"] if row else ""
            self._done("De verificatiecode is uitgegeven.")
        except accounts.AccountError as refused:
            self.error = str(refused)
        except Exception:
            log.exception("beheer: issue code failed")
            self.error = GENERIC_ERROR

    @rx.event
    def hide_code(self):
        if self._start() is None:
            return self._refused()
        self.issued_code = ""
        self.issued_for = ""

    @rx.event
    def add_delegation(self, form_data: dict):
        if self._start() is None:
            return self._refused()
        organisation_id = _int(form_data.get("organisation_id"))
        if organisation_id is None:
            self.error = "Kies een samenwerkingsverband."
            return
        try:
            with db.session() as s:
                accounts.add_delegation(
                    s,
                    municipality_code=str(form_data.get("municipality_code", "")),
                    organisation_id=organisation_id,
                )
            self._done("De delegatie is toegevoegd.")
        except accounts.AccountError as refused:
            self.error = str(refused)
        except Exception:
            log.exception("beheer: add delegation failed")
            self.error = GENERIC_ERROR

    @rx.event
    def end_delegation(self, delegation_id: str):
        if self._start() is None:
            return self._refused()
        target = _int(delegation_id)
        if target is None:
            self.error = "Deze delegatie bestaat niet."
            return
        try:
            with db.session() as s:
                accounts.end_delegation(s, target)
            self._done("De delegatie is beëindigd.")
        except accounts.AccountError as refused:
            self.error = str(refused)
        except Exception:
            log.exception("beheer: end delegation failed")
            self.error = GENERIC_ERROR


def _roles_from_form(form_data: dict) -> list[str]:
    """Checked role boxes arrive as role_<index>: 'on'."""
    return [
        role for i, role in enumerate(ROLES) if form_data.get(f"role_{i}") in ("on", True, "true")
    ]


def _toggled(values: list[str], role: str) -> list[str]:
    if role not in ROLES:
        return list(values)
    chosen = set(values) ^ {role}
    return [r for r in ROLES if r in chosen]


# --- components ----------------------------------------------------------------------------------

_FIELD_STYLE = {
    "padding": "0.4rem 0.5rem",
    "border": f"1px solid {theme.BORDER}",
    "border_radius": "4px",
    "min_width": "14rem",
}


def _field(label: str, name: str, **props) -> rx.Component:
    field_id = f"beheer-{props.pop('id_suffix', '')}{name}"
    return rx.vstack(
        rx.el.label(label, html_for=field_id, font_weight="600", font_size="0.9rem"),
        rx.el.input(id=field_id, name=name, style=_FIELD_STYLE, **props),
        spacing="1",
    )


def _select(
    label: str, name: str, options: rx.Var | list, field_id: str, placeholder: str
) -> rx.Component:
    items = (
        [rx.el.option(text, value=value) for value, text in options]
        if isinstance(options, list)
        else [rx.foreach(options, lambda o: rx.el.option(o["label"], value=o["id"]))]
    )
    return rx.vstack(
        rx.el.label(label, html_for=field_id, font_weight="600", font_size="0.9rem"),
        rx.el.select(
            rx.el.option(placeholder, value=""), *items, id=field_id, name=name, style=_FIELD_STYLE
        ),
        spacing="1",
    )


def _role_checkboxes(prefix: str, chosen: rx.Var | None = None, on_toggle=None) -> rx.Component:
    """Role boxes: named form controls (new user), or controlled by the state (role editor)."""

    def box(i: int, role: str) -> rx.Component:
        if chosen is None:
            return rx.el.input(type="checkbox", name=f"role_{i}", id=f"{prefix}-rol-{i}")
        return rx.el.input(
            type="checkbox",
            checked=chosen.contains(role),
            on_change=lambda _value: on_toggle(role),
            id=f"{prefix}-rol-{i}",
        )

    return rx.el.fieldset(
        rx.el.legend("Rollen", font_weight="600", font_size="0.9rem"),
        rx.hstack(
            *[
                rx.el.label(
                    box(i, role),
                    " " + role,
                    html_for=f"{prefix}-rol-{i}",
                    style={"display": "inline-flex", "gap": "0.35rem", "align_items": "center"},
                )
                for i, role in enumerate(ROLES)
            ],
            wrap="wrap",
            spacing="4",
        ),
        style={"border": "none", "padding": "0", "margin": "0"},
    )


def _organisations_tab() -> rx.Component:
    return rx.vstack(
        data_table(
            ["Naam", "Soort", "eHerkenning-nummer", "Gemeentecode", "Gebruikers"],
            BeheerState.organisations,
            lambda o: rx.el.tr(
                rx.el.td(o["name"]),
                rx.el.td(o["kind"]),
                rx.el.td(o["identifier"]),
                rx.el.td(o["municipality_code"]),
                rx.el.td(o["users"]),
            ),
            id="organisaties-tabel",
        ),
        rx.heading("Organisatie toevoegen", size="4", as_="h3", margin_top="1rem"),
        rx.form(
            rx.hstack(
                _select("Soort", "kind", KINDS, "beheer-kind", "Kies…"),
                _field("Naam", "name", id_suffix="org-"),
                _field("eHerkenning-nummer (KvK of OIN)", "identifier", inputmode="numeric"),
                _field(
                    "Gemeentecode (alleen gemeente)",
                    "municipality_code",
                    max_length=4,
                    id_suffix="org-",
                ),
                wrap="wrap",
                spacing="4",
                align="end",
            ),
            rx.button(
                "Organisatie toevoegen",
                type="submit",
                margin_top="0.75rem",
                id="organisatie-toevoegen",
            ),
            on_submit=BeheerState.add_organisation,
            reset_on_submit=False,
        ),
        spacing="3",
        width="100%",
    )


def _muted(text) -> rx.Component:
    return rx.el.div(text, color=theme.TEXT_MUTED, font_size="0.85rem")


def _user_row(u: rx.Var) -> rx.Component:
    return rx.el.tr(
        rx.el.td(u["name"], _muted(u["email"]), _muted(u["employee_id"])),
        rx.el.td(u["organisation"]),
        rx.el.td(u["roles"]),
        rx.el.td(u["status"], _muted(u["linked"]), _muted(rx.el.span("code: ", u["code_text"]))),
        rx.el.td(
            rx.flex(
                rx.button(
                    "Code uitgeven",
                    size="1",
                    on_click=BeheerState.issue_code(u["id"]),
                    disabled=u["active"] == "",
                    id="code-" + u["employee_id"],
                    aria_label="Verificatiecode uitgeven voor " + u["name"],
                ),
                rx.button(
                    "Rollen",
                    size="1",
                    variant="outline",
                    on_click=BeheerState.edit_roles_of(u["id"]),
                    id="rollen-" + u["employee_id"],
                    aria_label="Rollen wijzigen van " + u["name"],
                ),
                rx.cond(
                    u["active"] == "1",
                    rx.button(
                        "Deactiveren",
                        size="1",
                        color_scheme="red",
                        variant="outline",
                        on_click=BeheerState.set_active(u["id"], False),
                        id="deactiveren-" + u["employee_id"],
                        aria_label="Deactiveren: " + u["name"],
                    ),
                    rx.button(
                        "Activeren",
                        size="1",
                        variant="outline",
                        on_click=BeheerState.set_active(u["id"], True),
                        id="activeren-" + u["employee_id"],
                        aria_label="Activeren: " + u["name"],
                    ),
                ),
                direction="column",
                align="stretch",
                gap="1",
            ),
            white_space="nowrap",
        ),
    )


def _issued_code() -> rx.Component:
    return rx.cond(
        BeheerState.issued_code != "",
        rx.callout.root(
            rx.callout.text(
                "Verificatiecode voor ",
                rx.el.strong(BeheerState.issued_for),
                ": ",
                rx.el.code(
                    BeheerState.issued_code,
                    id="uitgegeven-code",
                    style={"font_size": "1.3rem", "letter_spacing": "0.1em", "font_weight": "700"},
                ),
            ),
            rx.callout.text(
                "Deze code wordt maar één keer getoond en is 14 dagen geldig. Geef hem door aan de gebruiker; "
                "na 5 onjuiste pogingen wordt de code geblokkeerd."
            ),
            rx.button(
                "Verbergen",
                size="1",
                variant="outline",
                on_click=BeheerState.hide_code,
                width="fit-content",
            ),
            color_scheme="green",
            role="status",
            width="100%",
        ),
    )


def _role_editor() -> rx.Component:
    return rx.cond(
        BeheerState.edit_user_id != "",
        rx.box(
            rx.heading("Rollen van ", BeheerState.edit_user_name, size="4", as_="h3"),
            _role_checkboxes("wijzig", BeheerState.edit_roles, BeheerState.toggle_edit_role),
            rx.hstack(
                rx.button("Rollen opslaan", on_click=BeheerState.save_roles, id="rollen-opslaan"),
                rx.button("Annuleren", variant="outline", on_click=BeheerState.cancel_edit),
                spacing="3",
                margin_top="0.75rem",
            ),
            style={**theme.card, "background": theme.PRIMARY_LIGHT},
        ),
    )


def _users_tab() -> rx.Component:
    return rx.vstack(
        _issued_code(),
        _role_editor(),
        rx.box(
            data_table(
                ["Gebruiker", "Organisatie", "Rollen", "Status", "Acties"],
                BeheerState.users,
                _user_row,
                id="gebruikers-tabel",
            ),
            overflow_x="auto",
            width="100%",
        ),
        rx.heading("Gebruiker toevoegen", size="4", as_="h3", margin_top="1rem"),
        rx.form(
            rx.hstack(
                _select(
                    "Organisatie",
                    "organisation_id",
                    BeheerState.organisation_options,
                    "beheer-organisatie",
                    "Kies een organisatie…",
                ),
                _field("Naam", "name", id_suffix="user-"),
                _field("E-mailadres", "email", type="email"),
                _field("Medewerkernummer (eHerkenning)", "employee_id"),
                wrap="wrap",
                spacing="4",
                align="end",
            ),
            rx.box(_role_checkboxes("nieuw"), margin_top="0.75rem"),
            rx.button(
                "Gebruiker toevoegen", type="submit", margin_top="0.75rem", id="gebruiker-toevoegen"
            ),
            on_submit=BeheerState.add_user,
            reset_on_submit=False,
        ),
        spacing="3",
        width="100%",
    )


def _delegations_tab() -> rx.Component:
    return rx.vstack(
        rx.text(
            "Een delegerende gemeente laat een samenwerkingsverband voor haar aanleveren. Zij kan dan niet zelf "
            "via het portaal intrekken, maar gebruikt het formulier van CBS.",
            color=theme.TEXT_MUTED,
        ),
        data_table(
            ["Gemeente", "Samenwerkingsverband", "Vanaf", "Tot en met", ""],
            BeheerState.delegations,
            lambda d: rx.el.tr(
                rx.el.td(d["municipality"]),
                rx.el.td(d["organisation"]),
                rx.el.td(d["valid_from"]),
                rx.el.td(d["valid_to"]),
                rx.el.td(
                    rx.cond(
                        d["active"] == "1",
                        rx.button(
                            "Beëindigen",
                            size="1",
                            color_scheme="red",
                            variant="outline",
                            on_click=BeheerState.end_delegation(d["id"]),
                        ),
                        rx.text("beëindigd", color=theme.TEXT_MUTED),
                    )
                ),
            ),
            id="delegaties-tabel",
        ),
        rx.heading("Delegatie toevoegen", size="4", as_="h3", margin_top="1rem"),
        rx.form(
            rx.hstack(
                _field("Gemeentecode", "municipality_code", max_length=4, id_suffix="del-"),
                _select(
                    "Samenwerkingsverband",
                    "organisation_id",
                    BeheerState.cooperative_options,
                    "beheer-samenwerkingsverband",
                    "Kies…",
                ),
                wrap="wrap",
                spacing="4",
                align="end",
            ),
            rx.button(
                "Delegatie toevoegen", type="submit", margin_top="0.75rem", id="delegatie-toevoegen"
            ),
            on_submit=BeheerState.add_delegation,
            reset_on_submit=False,
        ),
        spacing="3",
        width="100%",
    )


def _blocked_tab() -> rx.Component:
    return rx.vstack(
        rx.text(
            "Gebruikers van wie de verificatiecode is geblokkeerd na te veel onjuiste pogingen. Geef een nieuwe "
            "code uit om de blokkade op te heffen.",
            color=theme.TEXT_MUTED,
        ),
        rx.cond(
            BeheerState.blocked.length() > 0,
            data_table(
                ["Naam", "Organisatie", "Medewerkernummer", ""],
                BeheerState.blocked,
                lambda u: rx.el.tr(
                    rx.el.td(u["name"]),
                    rx.el.td(u["organisation"]),
                    rx.el.td(u["employee_id"]),
                    rx.el.td(
                        rx.button(
                            "Nieuwe verificatiecode",
                            size="1",
                            on_click=BeheerState.issue_code(u["id"]),
                            id="nieuwe-code-" + u["employee_id"],
                        )
                    ),
                ),
                id="geblokkeerd-tabel",
            ),
            notice("Er zijn geen geblokkeerde gebruikers.", "success"),
        ),
        _issued_code(),
        spacing="3",
        width="100%",
    )


def beheer_page() -> rx.Component:
    return page_frame(
        rx.vstack(
            rx.heading("Beheer", size="7", color=theme.PRIMARY, as_="h1"),
            rx.text(
                "Servicedesk: organisaties, gebruikers, rollen, delegaties en verificatiecodes.",
                color=theme.TEXT_MUTED,
            ),
            error_notice(BeheerState.error, id="beheer-fout"),
            rx.cond(
                BeheerState.success != "",
                notice(BeheerState.success, "success", id="beheer-melding"),
            ),
            rx.tabs.root(
                rx.tabs.list(
                    rx.tabs.trigger("Gebruikers", value="gebruikers"),
                    rx.tabs.trigger("Organisaties", value="organisaties"),
                    rx.tabs.trigger("Delegaties", value="delegaties"),
                    rx.tabs.trigger(
                        "Geblokkeerd (",
                        BeheerState.blocked.length().to_string(),
                        ")",
                        value="geblokkeerd",
                    ),
                ),
                rx.tabs.content(_users_tab(), value="gebruikers", padding_top="1rem"),
                rx.tabs.content(_organisations_tab(), value="organisaties", padding_top="1rem"),
                rx.tabs.content(_delegations_tab(), value="delegaties", padding_top="1rem"),
                rx.tabs.content(_blocked_tab(), value="geblokkeerd", padding_top="1rem"),
                default_value="gebruikers",
                width="100%",
            ),
            style=theme.card,
            spacing="3",
        )
    )


def register(app: rx.App) -> None:
    app.add_page(
        beheer_page,
        route=routes.SERVICEDESK,
        title="Beheer | GGk portaal",
        on_load=[PortalState.load, BeheerState.load],
    )
