"""The real Reflex states, called as the event processor calls them: the session comes from the
connection's cookie, the state shows what the service returns, and a refusal is a Dutch message.

Who may do what is tested once, at the services (tests/services/test_use_case_access.py); these
tests show that the states pass the session on, keep typed rows, fill the frame in the same event,
and never trust anything but the server-side session."""

from __future__ import annotations

import asyncio
import inspect

import pytest
import reflex as rx
from reflex.istate.data import RouterData
from sqlmodel import select

from cbs_monitor import clock
from cbs_monitor.models import (
    Delivery,
    DeliveryStatus,
    Report,
    ReportKind,
    ReportStatus,
    User,
    UserSession,
)
from cbs_monitor.services import demo_data, readiness_reports, sessions
from cbs_monitor.services.message_log import MessageRow
from cbs_monitor.ui.pages.beheer.state import BeheerState
from cbs_monitor.ui.pages.cbs_desk import CbsDeskState
from cbs_monitor.ui.pages.cbs_municipality.state import CbsMunicipalityState
from cbs_monitor.ui.portal_state import PortalState
from cbs_monitor.ui.session_guard import redacted_cookie_header
from cbs_monitor.ui.tabs.berichtenlog import MessageLogState
from cbs_monitor.ui.tabs.intrekken import WithdrawState
from cbs_monitor.ui.tabs.ophalen import RetrieveState
from tests.conftest import demo_morning


@pytest.fixture
def db(demo_db):
    clock.set_fixed(demo_morning())
    with demo_db.session() as s:
        demo_data.seed_history(s)
    return demo_db


def cookie_of(db, employee_id: str | None) -> str:
    if employee_id is None:
        return ""
    with db.session() as s:
        user = s.exec(select(User).where(User.employee_id == employee_id)).one()
        # As the connection hands it to the states: only the session key (ui/session_guard).
        return redacted_cookie_header(
            f"{sessions.COOKIE_NAME}={sessions.create_session(s, user.id)}"
        )


def state_of(cls: type[rx.State], cookie: str, path: str = "/", params: dict | None = None):
    """The state as the event processor hands it to a handler: a tree with the router data."""
    root = rx.State()
    root.router = RouterData.from_router_data(
        {
            "headers": {"cookie": cookie, "origin": "http://127.0.0.1"},
            "pathname": path,
            "asPath": path,
            "query": params or {},
        }
    )
    return root.get_substate(cls.get_full_name().split(".")[1:])


def call(handler, state, *args):
    """Run a handler to its end; returns what it returned (or the list of what it yielded)."""
    result = handler.fn(state, *args)
    if inspect.isasyncgen(result):

        async def drain():
            return [item async for item in result]

        return asyncio.run(drain())
    if inspect.iscoroutine(result):
        return asyncio.run(result)
    return result


def _redirect_target(event) -> str:
    return str(event.args[0][1]).strip('"') if event is not None else ""


def test_tab_load_fills_the_frame_in_the_same_event(db):
    state = state_of(MessageLogState, cookie_of(db, "anna.devries"), "/cbs-monitor/berichtenlog")
    assert call(MessageLogState.load, state) is None
    portal = asyncio.run(state.get_state(PortalState))
    assert portal.frame.user_name == "Anna de Vries" and portal.frame.municipality_code == "0363"
    assert state.shown and state.error == "" and state.start and state.end


def test_tonen_shows_the_municipalitys_messages_and_refuses_a_bad_range(db):
    state = state_of(MessageLogState, cookie_of(db, "anna.devries"), "/cbs-monitor/berichtenlog")
    call(MessageLogState.load, state)
    call(MessageLogState.set_start, state, "01-01-2025")
    call(MessageLogState.set_end, state, "29-11-2026")
    call(MessageLogState.show, state)
    assert state.error == "" and state.total > 0 and state.start == "01-01-2025"
    assert state.rows and all(isinstance(row, MessageRow) for row in state.rows)
    call(MessageLogState.set_end, state, "2024-01-01")
    call(MessageLogState.show, state)
    assert state.error == "De einddatum ligt voor de startdatum."


@pytest.mark.parametrize("cookie", ["", f"cbs_monitor_session_key={'0' * 64}"])
def test_without_a_live_session_every_tab_goes_to_login(db, cookie):
    for cls in (MessageLogState, RetrieveState, WithdrawState, CbsDeskState, BeheerState):
        state = state_of(cls, cookie)
        event = call(cls.load, state)
        assert "/login" in _redirect_target(event), cls.__name__


def test_an_ended_session_is_signed_out(db):
    cookie = cookie_of(db, "gerda.smit")
    with db.session() as s:
        row = s.exec(
            select(UserSession).where(UserSession.token_hash == cookie.split("=", 1)[1])
        ).one()
        row.ended_at = clock.now()
    state = state_of(BeheerState, cookie, "/beheer")
    assert "/login" in _redirect_target(call(BeheerState.issue_code, state, 1))
    assert state.issued_code == ""


def test_a_page_that_is_not_for_the_user_sends_to_geen_toegang(db):
    state = state_of(CbsDeskState, cookie_of(db, "anna.devries"), "/cbs")
    assert _redirect_target(call(CbsDeskState.load, state)).rstrip("/") == "/geen-toegang"
    assert state.view is None


def test_ophalen_downloads_its_own_report_and_refuses_anothers(db):
    with db.session() as s:
        delivery = s.exec(select(Delivery).where(Delivery.municipality_code == "0344")).first()
        utrecht_report = readiness_reports.report_of(s, delivery.id, ReportKind.technical).id
    state = state_of(RetrieveState, cookie_of(db, "anna.devries"), "/cbs-monitor/ophalen")
    call(RetrieveState.load, state)
    own = state.rows[0].technical
    assert own.downloadable and own.report_id
    event = call(RetrieveState.download, state, own.report_id)
    assert state.error == "" and "/download/" in str(event)
    call(RetrieveState.download, state, utrecht_report)
    assert state.error == "Dit rapport hoort niet bij deze gemeente."
    call(RetrieveState.view_readiness, state, state.rows[0].readiness.report_id)
    assert state.readiness is not None and state.readiness.summary


def test_withdrawal_radio_saves_at_once_and_shows_the_selection(db):
    state = state_of(WithdrawState, cookie_of(db, "anna.devries"), "/cbs-monitor/intrekken")
    call(WithdrawState.load, state)
    assert state.view.window_open and not state.view.delegating
    call(WithdrawState.choose, state, "wijk_buurt", "intrekken")
    assert {p.part: p.choice for p in state.view.parts}["wijk_buurt"] == "intrekken"
    again = state_of(WithdrawState, cookie_of(db, "anna.devries"), "/cbs-monitor/intrekken")
    call(WithdrawState.load, again)
    assert {p.part: p.choice for p in again.view.parts}["wijk_buurt"] == "intrekken"


def test_coordinator_switches_municipality_in_the_server_session(db):
    cookie = cookie_of(db, "eva.mulder")
    state = state_of(PortalState, cookie)
    call(PortalState.choose_municipality, state, "0302")
    assert state.frame.municipality_code == "0302"
    tab = state_of(MessageLogState, cookie, "/cbs-monitor/berichtenlog")
    call(MessageLogState.load, tab)
    assert asyncio.run(tab.get_state(PortalState)).frame.municipality_code == "0302"
    call(PortalState.choose_municipality, state, "0363")  # not one of hers
    assert state.frame.municipality_code == "0302"


def test_the_desk_holds_one_page_of_the_country(db):
    state = state_of(CbsDeskState, cookie_of(db, "frank.deboer"), "/cbs")
    assert call(CbsDeskState.load, state) is None
    assert state.view.total == 342 and len(state.view.rows) == 50 and len(state.chart) > 0
    call(CbsDeskState.next_page, state)
    assert state.query.page == 2 and state.view.shown_range == "51–100 van 342 gemeenten"
    call(CbsDeskState.apply_search, state, {"zoek": "harder"})
    assert [r.name for r in state.view.rows] == ["Harderwijk"] and state.view.rows[0].delegating
    call(CbsDeskState.choose_status, state, "geen bestaande status")
    assert state.error == "Onbekende status." and [r.name for r in state.view.rows] == [
        "Harderwijk"
    ]


def test_the_decision_dialog_names_the_right_file(db, monkeypatch):
    """Holding an op-orde report asks to confirm for the file of that report, not for the
    delivery whose id happens to equal the report id."""
    monkeypatch.setenv("CBS_MONITOR_READINESS_RELEASE", "automatic")
    with db.session() as s:
        rows = s.exec(
            select(Delivery)
            .where(Delivery.municipality_code == "0363", Delivery.status == DeliveryStatus.approved)
            .order_by(Delivery.id)
        ).all()
        target = rows[0]
        report = readiness_reports.report_of(s, target.id, ReportKind.readiness)
        other = s.get(Delivery, report.id)  # the delivery whose id is the report's id, if any
        names = (target.filename, other.filename if other else None)
    state = state_of(
        CbsMunicipalityState,
        cookie_of(db, "frank.deboer"),
        "/cbs/gemeente/0363",
        {"gemeentecode": "0363"},
    )
    call(CbsMunicipalityState.load, state)
    assert state.page.name == "Amsterdam"
    call(CbsMunicipalityState.open_action, state, "hold", report.id)
    assert state.action_open and names[0] in state.prompt.text
    if names[1] and names[1] != names[0]:
        assert names[1] not in state.prompt.text
    call(CbsMunicipalityState.confirm_action, state, {"reden": ""})
    assert state.action_open and "reden" in state.action_error
    call(CbsMunicipalityState.confirm_action, state, {"reden": "Nog even controleren."})
    assert not state.action_open
    with db.session() as s:
        assert s.get(Report, report.id).status == ReportStatus.held


def test_servicedesk_adds_a_user_and_issues_a_code(db):
    state = state_of(BeheerState, cookie_of(db, "gerda.smit"), "/beheer")
    call(BeheerState.load, state)
    amsterdam = next(o for o in state.view.organisations if o.name == "Gemeente Amsterdam")
    call(
        BeheerState.add_user,
        state,
        {
            "organisation_id": str(amsterdam.id),
            "name": "Iris",
            "email": "iris@amsterdam.example",
            "employee_id": "iris",
            "role_0": "on",
        },
    )
    assert state.error == "" and "Iris" in state.success
    iris = next(u for u in state.view.users if u.employee_id == "iris")
    call(BeheerState.issue_code, state, iris.id)
    assert len(state.issued_code) == 9 and state.issued_for == "Iris"
    call(
        BeheerState.set_active,
        state,
        next(u.id for u in state.view.users if u.employee_id == "gerda.smit"),
        False,
    )
    assert "uzelf" in state.error
