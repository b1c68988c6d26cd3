"""The session and the tab's state against an attacker on loopback (issue 11, items 2–4):
no raw session cookie in the state store, uploads need their own cookie, and a tab whose session
changed gets none of the previous user's data."""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from cbs_monitor.services import sessions

pytestmark = pytest.mark.e2e


def _session_cookie(page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == sessions.COOKIE_NAME)


@pytest.mark.smoke
def test_the_state_store_holds_no_session_token(page, login_as, e2e_server):
    login_as(page, "anna.devries")
    page.goto("/cbs-monitor/berichtenlog")
    page.get_by_role("button", name="Tonen").click()
    expect(page.locator("#aantal-berichten, #geen-berichten").first).to_be_visible()
    token = _session_cookie(page)
    key = sessions.key_of(token).encode()

    if e2e_server.topology == "production":
        # Redis holds the tabs' states, with the session key that identifies the tab's session.
        deadline = time.monotonic() + 20
        while key not in b"".join(data for _name, data in e2e_server.stored_states()):
            assert time.monotonic() < deadline, "the tab's state was never written"
            page.wait_for_timeout(200)
    else:
        # The embedded portal keeps them in memory. Reflex's disk store, its default, would have
        # written this tab's state by now (2 s after the change): nothing may be on disk.
        page.wait_for_timeout(3000)
        assert e2e_server.stored_states() == [], "the tabs' states were written to disk"
    for name, data in e2e_server.stored_states():
        assert token.encode() not in data, name
    # Nor in the server's log (Reflex logs a tab's state, headers included, when an event fails).
    assert token not in e2e_server.server_log()


@pytest.mark.smoke
def test_an_upload_without_its_own_cookie_is_refused(page, login_as, base_url):
    login_as(page, "anna.devries")
    page.goto("/cbs-monitor/aanleveren")
    expect(page.locator("#venster")).to_be_visible()
    client_token = page.wait_for_function(
        "() => window.sessionStorage.getItem('token')"
    ).json_value()
    request = urllib.request.Request(
        f"{base_url}/_upload",
        data=b'--x\r\nContent-Disposition: form-data; name="files"; filename="a.csv"\r\n\r\nx\r\n--x--\r\n',
        method="POST",
        headers={
            "Content-Type": "multipart/form-data; boundary=x",
            "reflex-client-token": client_token,
            "reflex-event-handler": "state.deliver_state.send",
        },
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 401
    assert "niet ingelogd" in refused.value.read().decode()


def test_logout_and_another_login_in_the_same_tab_show_nothing_of_the_first_user(
    page, login_as, base_url
):
    login_as(page, "anna.devries")
    page.goto("/cbs-monitor/ophalen")
    expect(page.locator("#rapporten")).to_contain_text("WMO_0363_")
    expect(page.locator("#header-user")).to_have_text("Anna de Vries")
    # Logged out with the header's button (the session ends), then Carla logs in in the same tab.
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url(re.compile(r"/login"))
    login_as(page, "carla.bakker")
    page.goto("/cbs-monitor/ophalen")
    expect(page.locator("#header-user")).to_have_text("Carla Bakker")
    expect(page.locator("#rapporten")).to_contain_text("WMO_0344_")
    expect(page.locator("body")).not_to_contain_text("WMO_0363_")
    expect(page.locator("body")).not_to_contain_text("Anna de Vries")
    # Without any cookie, the same tab token gets nobody's data back.
    page.context.clear_cookies()
    page.goto("/cbs-monitor/ophalen")
    page.wait_for_url(re.compile(r"/login"))
    expect(page.locator("body")).not_to_contain_text("WMO_0344_")
    expect(page.locator("body")).not_to_contain_text("Carla Bakker")
