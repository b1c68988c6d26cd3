"""Access: every event handler of /beheer and every login route, called by the wrong people.

A user of another municipality, a coordinator for a municipality outside its delegations, and a
browser without a session are all refused, and nothing changes in the database."""

from __future__ import annotations

import pytest
import reflex as rx
from reflex.istate.data import RouterData
from sqlmodel import select

from cbs_monitor import db, routes
from cbs_monitor.models import (
    Delegation,
    Identity,
    Organisation,
    PendingLink,
    User,
    UserRole,
    UserSession,
    VerificationCode,
)
from cbs_monitor.services import accounts, sessions
from cbs_monitor.ui.pages.beheer import NO_ACCESS, BeheerState

WATCHED = (Organisation, User, UserRole, Delegation, Identity, VerificationCode, PendingLink)


def snapshot() -> dict:
    """Every row of the tables an attacker would want to change."""
    with db.session() as s:
        return {
            model.__name__: sorted(
                repr(sorted(row.model_dump().items())) for row in s.exec(select(model))
            )
            for model in WATCHED
        }


def _user_id(employee_id: str) -> int:
    with db.session() as s:
        return s.exec(select(User).where(User.employee_id == employee_id)).one().id


def _coop_id() -> int:
    with db.session() as s:
        return (
            s.exec(select(Organisation).where(Organisation.identifier == "00000004003214345000"))
            .one()
            .id
        )


def _delegation_id() -> int:
    with db.session() as s:
        return s.exec(select(Delegation).where(Delegation.municipality_code == "0243")).one().id


def state_for(cookie_header: str) -> BeheerState:
    root = rx.State()
    root.router = RouterData.from_router_data(
        {"headers": {"cookie": cookie_header}, "pathname": routes.SERVICEDESK}
    )
    return root.get_substate(BeheerState.get_full_name().split(".")[1:])


def session_header(employee_id: str | None) -> str:
    if employee_id is None:
        return ""
    with db.session() as s:
        token = sessions.create_session(s, _user_id(employee_id))
    return f"{sessions.COOKIE_NAME}={token}"


# Every public event of BeheerState, with arguments that would change something if allowed.
def _calls():
    return [
        ("load", lambda: ()),
        (
            "add_organisation",
            lambda: (
                {
                    "kind": "gemeente",
                    "name": "Gemeente Ede",
                    "identifier": "12345678",
                    "municipality_code": "0228",
                },
            ),
        ),
        (
            "add_user",
            lambda: (
                {
                    "organisation_id": str(_coop_id()),
                    "name": "Mallory",
                    "email": "m@x.nl",
                    "employee_id": "mallory",
                    "role_0": "on",
                    "role_2": "on",
                },
            ),
        ),
        ("edit_roles_of", lambda: (str(_user_id("bram.jansen")),)),
        ("toggle_edit_role", lambda: ("servicedesk",)),
        ("cancel_edit", lambda: ()),
        ("save_roles", lambda: ()),
        ("set_active", lambda: (str(_user_id("anna.devries")), False)),
        ("issue_code", lambda: (str(_user_id("daan.visser")),)),
        ("hide_code", lambda: ()),
        (
            "add_delegation",
            lambda: ({"municipality_code": "0363", "organisation_id": str(_coop_id())},),
        ),
        ("end_delegation", lambda: (str(_delegation_id()),)),
    ]


def test_every_public_event_is_in_the_table():
    public = {
        name
        for name in BeheerState.event_handlers
        if not name.startswith(("_", "set_")) or name == "set_active"
    }
    public -= {"setvar"}
    assert public == {name for name, _ in _calls()}


OUTSIDERS = [
    ("carla.bakker", "user of another municipality"),
    ("eva.mulder", "coordinator (outside its delegations, and no servicedesk)"),
    ("frank.deboer", "CBS reviewer"),
    (None, "no session"),
]


@pytest.mark.parametrize("employee_id, who", OUTSIDERS, ids=[o[1] for o in OUTSIDERS])
@pytest.mark.parametrize("event, args", _calls(), ids=[c[0] for c in _calls()])
def test_outsiders_are_refused_and_nothing_changes(portal_env, employee_id, who, event, args):
    state = state_for(session_header(employee_id))
    # A tampered client might have pushed a role edit for gerda into its state before.
    state.edit_user_id = str(_user_id("gerda.smit"))
    state.edit_roles = ["servicedesk"]
    before = snapshot()
    result = getattr(BeheerState, event).fn(state, *args())
    assert snapshot() == before
    assert state.issued_code == ""
    assert state.users == [] and state.organisations == [] and state.blocked == []
    assert result is not None  # a redirect (login/home) or an error toast
    if event != "load":
        assert state.error == NO_ACCESS


def test_ended_session_is_refused(portal_env):
    header = session_header("gerda.smit")
    with db.session() as s:
        sessions.end_session(s, header.split("=", 1)[1])
    state = state_for(header)
    before = snapshot()
    BeheerState.issue_code.fn(state, str(_user_id("daan.visser")))
    assert snapshot() == before and state.issued_code == ""


def test_tampered_cookie_is_refused(portal_env):
    header = session_header("gerda.smit")
    state = state_for(header[:-4] + "AAAA")
    before = snapshot()
    BeheerState.add_organisation.fn(state, {"kind": "cbs", "name": "X", "identifier": "12345678"})
    assert snapshot() == before


def test_servicedesk_may(portal_env):
    """The same handlers work for the servicedesk (so the refusals above are about the actor)."""
    state = state_for(session_header("gerda.smit"))
    assert BeheerState.load.fn(state) is None
    assert len(state.users) == 8 and len(state.organisations) == 7
    BeheerState.add_organisation.fn(
        state,
        {
            "kind": "gemeente",
            "name": "Gemeente Ede",
            "identifier": "12345678",
            "municipality_code": "0228",
        },
    )
    assert state.error == "" and any(o["name"] == "Gemeente Ede" for o in state.organisations)
    ede = next(o for o in state.organisations if o["name"] == "Gemeente Ede")
    BeheerState.add_user.fn(
        state,
        {
            "organisation_id": ede["id"],
            "name": "Iris",
            "email": "iris@ede.example",
            "employee_id": "iris",
            "role_0": "on",
        },
    )
    assert state.error == "", state.error
    iris = next(u for u in state.users if u["employee_id"] == "iris")
    assert iris["roles"] == "gebruiker"
    BeheerState.issue_code.fn(state, iris["id"])
    assert len(state.issued_code) == 9 and state.issued_for == "Iris"
    BeheerState.hide_code.fn(state)
    assert state.issued_code == ""
    BeheerState.edit_roles_of.fn(state, iris["id"])
    BeheerState.toggle_edit_role.fn(state, "productbeheerder CBS Monitor")
    BeheerState.save_roles.fn(state)
    assert (
        next(u for u in state.users if u["employee_id"] == "iris")["roles"]
        == "gebruiker, productbeheerder CBS Monitor"
    )
    BeheerState.set_active.fn(state, iris["id"], False)
    assert next(u for u in state.users if u["employee_id"] == "iris")["status"] == "gedeactiveerd"
    BeheerState.add_delegation.fn(
        state, {"municipality_code": "0230", "organisation_id": str(_coop_id())}
    )
    assert state.error == "" and any(
        d["municipality"].endswith("(0230)") for d in state.delegations
    )
    BeheerState.end_delegation.fn(state, str(_delegation_id()))
    assert state.error == ""
    # Refusals by the rules show a Dutch message and change nothing.
    before = snapshot()
    BeheerState.set_active.fn(state, str(_user_id("gerda.smit")), False)
    assert "uzelf" in state.error and snapshot() == before
    BeheerState.issue_code.fn(state, "not-a-number")
    assert state.error and snapshot() == before


def test_blocked_users_are_listed(portal_env):
    with db.session() as s:
        for _ in range(5):
            accounts.verify_code(
                s,
                issuer="builtin-idp",
                subject="daan.visser",
                organisation_identifier="00000001001589623000",
                employee_id="daan.visser",
                code="WRONG-WRONG",
            )
    state = state_for(session_header("gerda.smit"))
    BeheerState.load.fn(state)
    assert [u["employee_id"] for u in state.blocked] == ["daan.visser"]


# --- routes ----------------------------------------------------------------------------------------


def test_routes_refuse_without_their_cookies(client, browser_factory):
    before = snapshot()
    # No pending first login: the verification page and its form do nothing.
    assert client.get(routes.VERIFICATION).status_code == 400
    assert (
        client.post(
            routes.VERIFICATION, data={"csrf": "x", "code": accounts.DEMO_VERIFICATION_CODE}
        ).status_code
        == 400
    )
    # A callback without a started login, with a made-up state and code.
    assert (
        client.get(routes.AUTH_CALLBACK, params={"state": "made-up", "code": "made-up"}).status_code
        == 400
    )
    # Logout without a session is harmless.
    assert client.get(routes.AUTH_LOGOUT).status_code == 303
    # Someone else's pending login cookie with a forged form token.
    daan = browser_factory()
    daan.login("daan.visser")
    pending = daan.http.cookies.get("cbs_monitor_pending")
    mallory = browser_factory()
    mallory.http.cookies.set("cbs_monitor_pending", pending[:-2] + "zz", path=routes.VERIFICATION)
    assert (
        mallory.post(
            routes.VERIFICATION, data={"csrf": "x", "code": accounts.DEMO_VERIFICATION_CODE}
        ).status_code
        == 400
    )
    after = snapshot()
    after.pop("PendingLink"), before.pop("PendingLink")  # daan's own login added one
    assert after == before
    with db.session() as s:
        assert s.exec(select(UserSession)).all() == []
