"""ui/session_guard: the session cookie never reaches a state, and a tab whose session changed
is emptied before its next event is processed."""

from __future__ import annotations

import asyncio

from reflex.app import EventNamespace

from cbs_monitor.services import sessions
from cbs_monitor.ui.session_guard import (
    SessionBinding,
    _portal_states,
    install_header_redaction,
    redacted_cookie_header,
    take_upload_key,
)
from cbs_monitor.ui.tabs.berichtenlog import MessageLogState
from cbs_monitor.ui.tabs.ophalen import RetrieveState
from tests.ui.test_states import call, cookie_of, state_of


def test_the_connection_keeps_only_the_session_key():
    install_header_redaction()
    install_header_redaction()  # idempotent
    environ = {
        "asgi.scope": {
            "headers": [(b"cookie", f"other=1; {sessions.COOKIE_NAME}=secret-token".encode())],
            "client": ("127.0.0.1", 5000),
        }
    }
    data = EventNamespace._build_static_router_data(object.__new__(EventNamespace), "sid", environ)
    cookie = data["headers"]["cookie"]
    assert "secret-token" not in cookie and "other" not in cookie
    assert cookie == f"cbs_monitor_session_key={sessions.key_of('secret-token')}"
    assert redacted_cookie_header("") == "" and redacted_cookie_header("other=1") == ""


def test_every_portal_state_is_known_to_the_binding():
    names = {cls.__name__ for cls in _portal_states()}
    assert {
        "PortalState",
        "MessageLogState",
        "RetrieveState",
        "CbsDeskState",
        "BeheerState",
    } <= names


def test_a_tab_whose_session_changed_is_emptied_first(demo_db):
    anna = cookie_of(demo_db, "anna.devries")
    state = state_of(RetrieveState, anna, "/cbs-monitor/ophalen")
    root = state._get_root_state()
    asyncio.run(SessionBinding().preprocess(None, root, None))
    call(RetrieveState.load, state)
    log = asyncio.run(root.get_state(MessageLogState))
    log.error = "iets van Anna"
    assert state.hint
    asyncio.run(SessionBinding().preprocess(None, root, None))  # same session: kept
    assert state.hint and log.error == "iets van Anna"
    carla = cookie_of(demo_db, "carla.bakker")
    from reflex.istate.data import RouterData

    root.router = RouterData.from_router_data({"headers": {"cookie": carla}, "pathname": "/"})
    asyncio.run(SessionBinding().preprocess(None, root, None))
    assert state.rows == [] and state.hint == "" and log.error == ""


def test_an_upload_key_is_taken_once():
    from cbs_monitor.ui import session_guard

    session_guard._remember_upload_key("tab-1", "k" * 64)
    assert take_upload_key("tab-1") == "k" * 64
    assert take_upload_key("tab-1") is None
