"""The Reflex states of /cbs, called directly: one page of rows in the state, and every public event
refuses anyone but a CBS reviewer (resolved from the server-side session, never from client vars)."""

from __future__ import annotations

import asyncio

import pytest
import reflex as rx
from reflex.istate.data import RouterData
from sqlmodel import select

from cbs_monitor import routes
from cbs_monitor.models import (
    Delivery,
    Message,
    OutboxMail,
    Report,
    ReportingPeriod,
    ReportKind,
    ReportStatus,
    Withdrawal,
    WithdrawalChange,
)
from cbs_monitor.services import deliveries, sessions
from cbs_monitor.ui.pages.cbs_desk import CbsDeskState, CbsPeriodState
from cbs_monitor.ui.pages.cbs_municipality import CbsMunicipalityState
from tests.review.conftest import PERIOD, actor, deliver


def run(result):
    """Call an event handler's result to its end: some /cbs handlers are coroutines (thread-offloaded queries)."""
    if asyncio.iscoroutine(result):
        return asyncio.run(result)
    return result


def state_for(db, employee_id: str | None, cls, path: str = routes.CBS_DESK):
    header = ""
    if employee_id:
        with db.session() as s:
            header = f"{sessions.COOKIE_NAME}={sessions.create_session(s, actor(s, employee_id).user_id)}"
    root = rx.State()
    # "asPath" is the URL the browser shows; "pathname" the route pattern it matched.
    root.router = RouterData.from_router_data(
        {
            "headers": {"cookie": header, "origin": "http://127.0.0.1"},
            "pathname": path,
            "asPath": path,
        }
    )
    return root.get_substate(cls.get_full_name().split(".")[1:])


def snapshot(db) -> dict:
    with db.session() as s:
        return {
            m.__name__: sorted(repr(sorted(r.model_dump().items())) for r in s.exec(select(m)))
            for m in (
                Delivery,
                Report,
                Message,
                OutboxMail,
                Withdrawal,
                WithdrawalChange,
                ReportingPeriod,
            )
        }


def test_the_state_holds_one_page_of_the_country(world):
    state = state_for(world, "frank.deboer", CbsDeskState)
    assert run(CbsDeskState.load.fn(state)) is None
    assert state.period_code == PERIOD and state.total == 342 and len(state.rows) == 50
    assert state.all_count == 342 and len(state.chart) > 0
    run(CbsDeskState.next_page.fn(state))
    assert (
        state.page == 2
        and len(state.rows) == 50
        and state.shown_range == "51–100 van 342 gemeenten"
    )
    run(CbsDeskState.apply_search.fn(state, {"zoek": "harder"}))
    assert state.page == 1 and [r["name"] for r in state.rows] == ["Harderwijk"]
    assert state.rows[0]["delegating"] == "1"
    run(CbsDeskState.clear_filters.fn(state))
    run(CbsDeskState.choose_status.fn(state, "op orde gereed"))
    assert state.total == sum(1 for r in state.rows if r["status"] == "op orde gereed")


def test_reviewer_releases_from_the_municipality_page(world, review_release):
    with world.session() as s:
        delivery = deliver(s, "anna.devries", "0363")
        report = deliveries.report_of(s, delivery.id, ReportKind.readiness)
    state = state_for(world, "frank.deboer", CbsMunicipalityState, path="/cbs/gemeente/0363/")
    CbsMunicipalityState.load.fn(state)
    assert state.code == "0363" and state.name == "Amsterdam"
    row = next(r for r in state.deliveries if r["id"] == str(delivery.id))
    assert row["can_release"] == "1" and row["ready_status"] == ReportStatus.held.value
    CbsMunicipalityState.open_action.fn(state, "release", str(report.id))
    assert state.action_open and state.action_title == "Op orde rapport vrijgeven"
    CbsMunicipalityState.confirm_action.fn(state, {"reden": ""})
    assert state.action_open and "reden" in state.action_error
    CbsMunicipalityState.confirm_action.fn(state, {"reden": "Gecontroleerd en in orde."})
    assert not state.action_open
    with world.session() as s:
        assert s.get(Report, report.id).status == ReportStatus.ready
    assert next(r for r in state.deliveries if r["id"] == str(delivery.id))["can_hold"] == "1"


def _events(delivery_id: str, report_id: str):
    """Every public event of the three states, with arguments that would change something if allowed."""
    form = {"reden": "Een reden van genoeg tekens."}
    return [
        (CbsDeskState, "load", ()),
        (CbsDeskState, "choose_period", (PERIOD,)),
        (CbsDeskState, "choose_status", ("op orde gereed",)),
        (CbsDeskState, "toggle_overdue", ()),
        (CbsDeskState, "toggle_held", ()),
        (CbsDeskState, "choose_sort", ("code",)),
        (CbsDeskState, "apply_search", ({"zoek": "a"},)),
        (CbsDeskState, "clear_filters", ()),
        (CbsDeskState, "next_page", ()),
        (CbsDeskState, "previous_page", ()),
        (CbsDeskState, "export", ()),
        (CbsPeriodState, "load", ()),
        (CbsPeriodState, "new_period", ()),
        (CbsPeriodState, "edit", (PERIOD,)),
        (CbsPeriodState, "save", ()),
        (CbsMunicipalityState, "load", ()),
        (CbsMunicipalityState, "show_findings", (delivery_id,)),
        (CbsMunicipalityState, "download", (report_id,)),
        (CbsMunicipalityState, "open_action", ("release", report_id)),
        (CbsMunicipalityState, "confirm_action", (form,)),
        (CbsMunicipalityState, "choose_withdrawal_period", ("2025H2",)),
        (CbsMunicipalityState, "register_withdrawal", (form,)),
        (CbsMunicipalityState, "next_messages", ()),
        (CbsMunicipalityState, "previous_messages", ()),
    ]


# Handlers that only keep what the user typed or clicked (no data, no effect) need no check.
PURE_INPUT = {
    "set_code",
    "set_delivery_opens_on",
    "set_delivery_closes_on",
    "set_withdrawal_opens_on",
    "set_withdrawal_closes_on",
    "set_publication_date",
    "set_withdrawal_choice",
    "close_action",
    "set_action_open",
    "setvar",
}


def test_every_public_event_is_covered():
    listed = {(cls, name) for cls, name, _ in _events("1", "1")}
    for cls in (CbsDeskState, CbsPeriodState, CbsMunicipalityState):
        public = {n for n in cls.event_handlers if not n.startswith("_")} - PURE_INPUT
        assert public == {n for c, n in listed if c is cls}, cls.__name__


@pytest.mark.parametrize("employee_id", ["anna.devries", "eva.mulder", "gerda.smit", None])
def test_others_are_refused_and_nothing_changes(world, review_release, employee_id):
    with world.session() as s:
        delivery = deliver(s, "anna.devries", "0363")
        report = deliveries.report_of(s, delivery.id, ReportKind.readiness)
    before = snapshot(world)
    for cls, name, args in _events(str(delivery.id), str(report.id)):
        state = state_for(world, employee_id, cls, path="/cbs/gemeente/0363")
        # A tampered client cannot set these (no auto setters), but even if they were set:
        if cls is CbsMunicipalityState:
            state.code, state.action_kind, state.action_target = "0363", "release", str(report.id)
            state.deliveries = [
                {
                    "id": str(delivery.id),
                    "ready_id": str(report.id),
                    "filename": "x",
                    "override_to": "afgekeurd",
                }
            ]
            state.withdrawal_period, state.withdrawal_choices = (
                "2025H2",
                {"wijk_buurt": "intrekken"},
            )
        if cls is CbsPeriodState:
            state.code, state.delivery_opens_on, state.delivery_closes_on = (
                "2027H1",
                "2027-07-01",
                "2027-08-31",
            )
            state.withdrawal_opens_on, state.withdrawal_closes_on = "2027-09-10", "2027-09-20"
        result = run(getattr(cls, name).fn(state, *args))
        assert result is not None, f"{cls.__name__}.{name} did not send {employee_id} away"
        assert "redirect" in repr(result) or "_redirect" in str(result), f"{cls.__name__}.{name}"
        if cls is CbsDeskState:
            assert state.rows == [] and state.chart == [] and state.total == 0
        if cls is CbsMunicipalityState:
            assert state.findings == [] and state.message_rows == [] and state.history == []
        if cls is CbsPeriodState:
            assert state.rows == []
    assert snapshot(world) == before
