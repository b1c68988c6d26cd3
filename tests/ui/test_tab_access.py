"""Every tab handler and the download route, called as someone who may not: refused, nothing changed."""

import asyncio
import datetime as dt
import types

import pytest
from sqlmodel import func, select
from starlette.testclient import TestClient

from cbs_monitor import clock
from cbs_monitor.api.app import build_api
from cbs_monitor.models import Delivery, DownloadGrant, Report, ReportKind, User, Withdrawal
from cbs_monitor.services import demo_data, sessions
from cbs_monitor.ui.tabs.aanleveren import DeliverState
from cbs_monitor.ui.tabs.berichtenlog import MessageLogState
from cbs_monitor.ui.tabs.intrekken import WithdrawState
from cbs_monitor.ui.tabs.ophalen import RetrieveState


@pytest.fixture
def db(demo_db):
    clock.set_fixed(dt.datetime(2026, 11, 29, 10, 0))
    with demo_db.session() as s:
        demo_data.seed_history(s)
    return demo_db


def _token(db, employee_id):
    with db.session() as s:
        user = s.exec(select(User).where(User.employee_id == employee_id)).one()
        return sessions.create_session(s, user.id)


def fake_state(state_cls, token, **values):
    """The handler's `self`: only what the handlers read (the connection's cookie and their vars)."""
    cookie = f"{sessions.COOKIE_NAME}={token}" if token else ""
    fake = types.SimpleNamespace(
        router=types.SimpleNamespace(headers=types.SimpleNamespace(cookie=cookie)),
        error="",
        **values,
    )
    for name in ("_readiness_for", "_fill", "_query", "_show"):
        if hasattr(state_cls, name):
            setattr(fake, name, types.MethodType(getattr(state_cls, name), fake))
    return fake


def _call(handler, fake, *args):
    result = handler.fn(fake, *args)
    if asyncio.iscoroutine(result):
        return asyncio.run(result)
    if hasattr(result, "__anext__"):

        async def drain():
            return [item async for item in result]

        return asyncio.run(drain())
    if hasattr(result, "__next__"):
        return list(result)
    return result


def _amsterdam_reports(db):
    with db.session() as s:
        delivery = s.exec(select(Delivery).where(Delivery.municipality_code == "0363")).first()
        reports = {
            r.kind: r.id for r in s.exec(select(Report).where(Report.delivery_id == delivery.id))
        }
    return str(reports[ReportKind.technical]), str(reports[ReportKind.readiness])


def _count(db, model):
    with db.session() as s:
        return s.exec(select(func.count()).select_from(model)).one()


# Who may not touch Amsterdam's (0363) reports: another municipality, a coordinator whose
# delegations do not include it, a CBS reviewer in the municipal tabs, and nobody at all.
OUTSIDERS = ["carla.bakker", "eva.mulder", "frank.deboer", None]


@pytest.mark.parametrize("who", OUTSIDERS)
@pytest.mark.parametrize("kind", ["technical", "readiness"])
def test_report_download_refused(db, who, kind):
    technical, readiness = _amsterdam_reports(db)
    report_id = technical if kind == "technical" else readiness
    fake = fake_state(RetrieveState, _token(db, who) if who else None)
    before = _count(db, DownloadGrant)
    _call(RetrieveState.download, fake, report_id)
    assert _count(db, DownloadGrant) == before


@pytest.mark.parametrize("who", OUTSIDERS)
def test_readiness_view_refused(db, who):
    _, readiness = _amsterdam_reports(db)
    fake = fake_state(RetrieveState, _token(db, who) if who else None, readiness_open=False)
    _call(RetrieveState.view_readiness, fake, readiness)
    assert fake.readiness_open is False


def test_report_download_allowed_for_own_municipality(db):
    technical, _ = _amsterdam_reports(db)
    fake = fake_state(RetrieveState, _token(db, "bram.jansen"))
    before = _count(db, DownloadGrant)
    _call(RetrieveState.download, fake, technical)
    assert _count(db, DownloadGrant) == before + 1 and fake.error == ""


@pytest.mark.parametrize("who", ["hanna.kok", "eva.mulder", "frank.deboer", None])
def test_withdrawal_refused_for_delegating_cbs_and_anonymous(db, who):
    fake = fake_state(
        WithdrawState,
        _token(db, who) if who else None,
        period_code="2025H2",
        window_open=True,
        delegating=False,
        form_url="",
        parts=[],
        saved_text="",
        window_text="",
    )
    _call(WithdrawState.choose, fake, "wijk_buurt", "intrekken")
    assert _count(db, Withdrawal) == 0


def test_withdrawal_allowed_for_own_municipality(db):
    fake = fake_state(
        WithdrawState,
        _token(db, "anna.devries"),
        period_code="2025H2",
        window_open=True,
        delegating=False,
        form_url="",
        parts=[],
        saved_text="",
        window_text="",
    )
    _call(WithdrawState.choose, fake, "wijk_buurt", "intrekken")
    assert _count(db, Withdrawal) == 1


@pytest.mark.parametrize("who", ["frank.deboer", None])
def test_message_log_needs_a_municipal_user(db, who):
    today = clock.today().isoformat()
    fake = fake_state(
        MessageLogState,
        _token(db, who) if who else None,
        start=today,
        end=today,
        page=1,
        total=0,
        rows=[],
        shown=False,
    )
    before = _count(db, DownloadGrant)
    _call(MessageLogState.download_overview, fake)
    _call(MessageLogState.show, fake)
    assert _count(db, DownloadGrant) == before and fake.rows == []


@pytest.mark.parametrize("who", ["frank.deboer", "gerda.smit", None])
def test_delivery_refused_without_municipality(db, who):
    fake = fake_state(
        DeliverState,
        _token(db, who) if who else None,
        terms_accepted=True,
        sending=False,
        progress=0,
        has_result=False,
    )
    before = _count(db, Delivery)
    _call(DeliverState.send, fake, [])
    assert _count(db, Delivery) == before and fake.has_result is False


def test_download_route_refuses_other_users_tampered_and_missing_cookies(db):
    technical, _ = _amsterdam_reports(db)
    anna = _token(db, "anna.devries")
    fake = fake_state(RetrieveState, anna)
    with db.session() as s:
        user = s.exec(select(User).where(User.employee_id == "anna.devries")).one()
        from cbs_monitor.services import downloads

        token = downloads.grant(s, user.id, "technisch_rapport", report_id=int(technical))
    client = TestClient(build_api())
    for cookie in (
        {},
        {sessions.COOKIE_NAME: anna + "x"},
        {sessions.COOKIE_NAME: _token(db, "carla.bakker")},
    ):
        client.cookies.clear()
        for name, value in cookie.items():
            client.cookies.set(name, value)
        assert client.get(f"/download/{token}").status_code == 410
    client.cookies.clear()
    client.cookies.set(sessions.COOKIE_NAME, anna)
    response = client.get(f"/download/{token}")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    assert client.get(f"/download/{token}").status_code == 410  # single use
    from cbs_monitor.models import Message

    with db.session() as s:
        logged = s.exec(select(Message).where(Message.kind == "rapport_gedownload")).all()
        assert [m.municipality_code for m in logged] == ["0363"] and "Anna de Vries" in logged[
            0
        ].text
    del fake
