"""Access: every login route called without the cookies it needs: refused, and nothing changes.

Who may do what on /beheer is tested at the services (tests/services/test_use_case_access.py)."""

from __future__ import annotations

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
from cbs_monitor.services import accounts

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
