"""The login round trip through the real routes and the built-in provider, in-process:
landing pages, first login with a verification code, blocking, logout, and refused tampering."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from cbs_monitor import db, routes
from cbs_monitor.auth import login
from cbs_monitor.models import Identity, LoginAttempt, User, UserSession
from cbs_monitor.services import accounts, sessions
from cbs_monitor.services.accounts import administration, codes
from cbs_monitor.settings import reset_settings
from tests.auth.conftest import desk

GRONINGEN = "00000001001589623000"


def _session_rows() -> int:
    with db.session() as s:
        return len(s.exec(select(UserSession)).all())


def _user_of_session(token: str) -> str | None:
    with db.session() as s:
        row = sessions.resolve_session(s, token)
        return s.get(User, row.user_id).employee_id if row else None


@pytest.mark.parametrize(
    "employee_id, landing",
    [
        ("anna.devries", routes.HOME),
        ("bram.jansen", routes.HOME),
        ("carla.bakker", routes.HOME),
        ("hanna.kok", routes.HOME),
        ("eva.mulder", routes.HOME),  # coordinator
        ("frank.deboer", routes.CBS_DESK),
        ("gerda.smit", routes.SERVICEDESK),
    ],
)
def test_each_linked_identity_lands_on_its_page(client, employee_id, landing):
    response = client.login(employee_id)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == landing
    cookie = response.headers["set-cookie"]
    assert sessions.COOKIE_NAME in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert _user_of_session(client.session_cookie) == employee_id


def test_first_login_with_the_demo_code(client):
    response = client.login("daan.visser")
    assert response.status_code == 303 and response.headers["location"] == routes.VERIFICATION
    assert client.session_cookie is None
    page = client.get(routes.VERIFICATION)
    assert "Verificatiecode" in page.text and "Bevestigen" in page.text
    wrong = client.submit_code("AAAA-BBBB")
    assert wrong.status_code == 200 and "nog 4 pogingen" in wrong.text
    done = client.submit_code(accounts.DEMO_VERIFICATION_CODE)
    assert done.status_code == 303 and done.headers["location"] == routes.HOME
    assert _user_of_session(client.session_cookie) == "daan.visser"
    with db.session() as s:
        identity = s.exec(select(Identity).where(Identity.subject == "daan.visser")).one()
        assert identity.issuer == "builtin-idp"
    # The pending login is spent; the next login goes straight in.
    assert client.get(routes.VERIFICATION).status_code == 400
    second = client.login("daan.visser")
    assert second.headers["location"] == routes.HOME


def test_chooser_tells_which_identities_need_a_code(client):
    _, params = client.start()
    page = client.get("/idp/authorize", params=params).text
    assert "TESTOMGEVING" in page
    assert page.count("Eerste inlog") == 1 and "democode DEMO-2026" in page
    client.login("daan.visser")
    client.submit_code(accounts.DEMO_VERIFICATION_CODE)
    _, params = client.start()
    assert "Eerste inlog" not in client.get("/idp/authorize", params=params).text


def test_five_wrong_codes_block(client, browser_factory):
    client.login("daan.visser")
    csrf = client.verification_csrf()
    for left in (4, 3, 2, 1):
        assert f"nog {left} poging" in client.submit_code("ZZZZ-ZZZZ", csrf).text
    blocked = client.submit_code("ZZZZ-ZZZZ", csrf)
    assert blocked.status_code == 403
    assert "geblokkeerd" in blocked.text and "servicedesk@inlichtingenbureau.nl" in blocked.text
    assert "0800 222 11 22" in blocked.text
    # Blocked also for the right code, from a new login in a new browser.
    other = browser_factory()
    other.login("daan.visser")
    page = other.get(routes.VERIFICATION)
    assert "geblokkeerd" in page.text and "Bevestigen" not in page.text
    assert other.session_cookie is None
    # A new code from the servicedesk lifts the block.
    with db.session() as s:
        user = s.exec(select(User).where(User.employee_id == "daan.visser")).one()
        code = codes.issue_code(s, user.id)
    third = browser_factory()
    third.login("daan.visser")
    assert third.submit_code(code).headers["location"] == routes.HOME


def test_unknown_identity_is_told_to_call_the_servicedesk(client):
    response = client.login("nobody", organisation=GRONINGEN)
    assert response.headers["location"] == routes.VERIFICATION
    page = client.get(routes.VERIFICATION)
    assert (
        page.status_code == 403
        and "niet bij ons bekend" in page.text
        and "Servicedesk" in page.text
    )


def test_expired_code_says_what_to_do(client, dbs):
    user = dbs.exec(select(User).where(User.employee_id == "daan.visser")).one()
    row = codes.current_code(dbs, user.id)
    row.expires_at = row.issued_at
    dbs.add(row)
    dbs.commit()
    client.login("daan.visser")
    response = client.submit_code(accounts.DEMO_VERIFICATION_CODE)
    assert (
        response.status_code == 403
        and "verlopen" in response.text
        and "0800 222 11 22" in response.text
    )


def test_verification_form_needs_its_csrf_token(client):
    client.login("daan.visser")
    refused = client.submit_code(accounts.DEMO_VERIFICATION_CODE, csrf="forged")
    assert refused.status_code == 400 and client.session_cookie is None
    with db.session() as s:
        user = s.exec(select(User).where(User.employee_id == "daan.visser")).one()
        assert codes.current_code(s, user.id).failed_attempts == 0


def test_logout_ends_the_server_session(client):
    client.login("anna.devries")
    token = client.session_cookie
    # A GET (a link or an image on another site) only shows the confirmation form.
    form = client.get(routes.AUTH_LOGOUT)
    assert form.status_code == 200 and 'name="csrf"' in form.text
    assert _user_of_session(token) is not None
    # A POST without the session's form token logs nobody out.
    for forged in ({}, {"csrf": "forged"}, {"csrf": sessions.logout_token(0)}):
        refused = client.post(routes.AUTH_LOGOUT, data=forged)
        assert refused.status_code == 403 and "niet van het portaal" in refused.text
        assert _user_of_session(token) is not None
    csrf = re.search(r'name="csrf" value="([0-9a-f]{64})"', form.text).group(1)
    response = client.post(routes.AUTH_LOGOUT, data={"csrf": csrf})
    assert response.status_code == 303 and response.headers["location"] == routes.LOGIN
    assert _user_of_session(token) is None
    assert client.session_cookie is None


def test_provider_cancel_shows_a_dutch_page(client):
    _, params = client.start()
    response = client.post("/idp/authorize", data={**params, "cancel": "1"})
    assert "error=access_denied" in response.headers["location"]
    page = client.callback(response)
    assert page.status_code == 400 and "afgebroken" in page.text
    assert client.session_cookie is None


# --- refused tampering ----------------------------------------------------------------------------


def test_replayed_callback_is_refused(client, browser_factory):
    _, params = client.start()
    provider_response = client.choose(params, employee_id="anna.devries")
    first = client.callback(provider_response)
    assert first.status_code == 303
    before = _session_rows()
    # The same callback URL again, in the same browser and in an attacker's browser with the state cookie.
    replay = client.callback(provider_response)
    assert replay.status_code == 400
    attacker = browser_factory()
    attacker.http.cookies.set(login.STATE_COOKIE, params["state"], path=routes.AUTH_CALLBACK)
    assert attacker.callback(provider_response).status_code == 400
    assert _session_rows() == before


def test_callback_in_another_browser_is_refused(client, browser_factory):
    """Login CSRF: a callback URL from someone else's login does not log this browser in."""
    _, params = client.start()
    provider_response = client.choose(params, employee_id="anna.devries")
    victim = browser_factory()
    response = victim.callback(provider_response)
    assert response.status_code == 400 and victim.session_cookie is None
    assert _session_rows() == 0


def test_tampered_state_is_refused(client):
    _, params = client.start()
    provider_response = client.choose(params, employee_id="anna.devries")
    location = provider_response.headers["location"].replace(
        params["state"], params["state"][:-2] + "xx"
    )
    provider_response.headers["location"] = location
    client.http.cookies.set(
        login.STATE_COOKIE, params["state"][:-2] + "xx", path=routes.AUTH_CALLBACK
    )
    assert client.callback(provider_response).status_code == 400
    assert client.session_cookie is None


def test_wrong_nonce_is_refused(client):
    """The ID token carries the nonce of the authorization request; ours was another one."""
    _, params = client.start()
    with db.session() as s:
        attempt = s.exec(select(LoginAttempt).where(LoginAttempt.state == params["state"])).one()
        attempt.nonce = "a-different-nonce"
        s.add(attempt)
    response = client.callback(client.choose(params, employee_id="anna.devries"))
    assert response.status_code == 400 and "niet worden bevestigd" in response.text
    assert client.session_cookie is None


def test_wrong_pkce_verifier_is_refused(client):
    _, params = client.start()
    with db.session() as s:
        attempt = s.exec(select(LoginAttempt).where(LoginAttempt.state == params["state"])).one()
        attempt.code_verifier = "x" * 64
        s.add(attempt)
    response = client.callback(client.choose(params, employee_id="anna.devries"))
    assert response.status_code == 400 and client.session_cookie is None


def test_stale_login_attempt_is_refused(client):
    _, params = client.start()
    with db.session() as s:
        attempt = s.exec(select(LoginAttempt).where(LoginAttempt.state == params["state"])).one()
        attempt.created_at = attempt.created_at - login.ATTEMPT_MAX_AGE * 2
        s.add(attempt)
    response = client.callback(client.choose(params, employee_id="anna.devries"))
    assert response.status_code == 400 and client.session_cookie is None


def test_tampered_session_cookie_is_no_session(client):
    client.login("anna.devries")
    token = client.session_cookie
    assert _user_of_session(token[:-3] + "abc") is None
    assert _user_of_session(token) == "anna.devries"


def test_deactivated_user_cannot_log_in(client, dbs):
    user = dbs.exec(select(User).where(User.employee_id == "bram.jansen")).one()
    administration.set_active(dbs, desk(dbs), user.id, False)
    dbs.commit()
    # Inactive users are not on the chooser page; log in with the identity typed in.
    response = client.login("bram.jansen", organisation="00000001002306608000")
    assert response.status_code == 403 and "niet (meer) actief" in response.text
    assert client.session_cookie is None


def test_login_starts_on_the_configured_host(client):
    response = client.get("http://localhost:3999/auth/login")
    assert response.status_code == 303
    assert response.headers["location"] == "http://127.0.0.1:3999/auth/login"


def test_no_built_in_provider_in_production(portal_env, monkeypatch):
    from cbs_monitor.auth import routes as auth_routes
    from cbs_monitor.settings import get_settings, reset_settings

    monkeypatch.setenv("CBS_MONITOR_MODE", "production")
    monkeypatch.setenv("CBS_MONITOR_SECRET_KEY", "s" * 48)
    reset_settings()
    try:
        assert not get_settings().builtin_idp_enabled
        paths = {r.path for r in auth_routes.routes()}
        assert routes.AUTH_LOGIN in paths and not any(p.startswith("/idp") for p in paths)
        assert login.client() is None
    finally:
        reset_settings()


def test_login_without_provider_shows_a_dutch_page(portal_env, monkeypatch, browser_factory):
    from cbs_monitor.settings import reset_settings

    monkeypatch.setenv("CBS_MONITOR_BUILTIN_IDP", "false")
    reset_settings()
    try:
        response = browser_factory().get(routes.AUTH_LOGIN)
        assert response.status_code == 503 and "niet ingesteld" in response.text
        assert "Traceback" not in response.text
    finally:
        reset_settings()


# --- login flood ----------------------------------------------------------------------------------


def _open_attempts() -> int:
    with db.session() as s:
        return len(s.exec(select(LoginAttempt)).all())


def test_a_login_flood_from_one_client_is_cut_off(client, monkeypatch):
    monkeypatch.setenv("CBS_MONITOR_LOGIN_RATE_LIMIT", "5")
    reset_settings()
    for _ in range(5):
        client.start()
    refused = client.get(routes.AUTH_LOGIN)
    assert refused.status_code == 429 and "te vaak ingelogd" in refused.text
    assert int(refused.headers["retry-after"]) > 0
    assert _open_attempts() == 5  # the refused starts left no row
    # Another client is not held up by this one.
    assert login.rate_limit.allow("192.0.2.7", 5)


def test_open_login_attempts_are_capped_and_cleaned_up(client, monkeypatch):
    monkeypatch.setenv("CBS_MONITOR_LOGIN_ATTEMPTS_MAX", "3")
    reset_settings()
    for _ in range(3):
        client.start()
    assert client.get(routes.AUTH_LOGIN).status_code == 429
    assert _open_attempts() == 3
    # Expired attempts are removed by the next start, which is then taken again.
    with db.session() as s:
        for attempt in s.exec(select(LoginAttempt)):
            attempt.created_at = attempt.created_at - login.ATTEMPT_MAX_AGE * 2
            s.add(attempt)
    client.start()
    assert _open_attempts() == 1
    # A completed login's attempt goes too: nothing lingers once it was used.
    client.callback(client.choose(client.start()[1], employee_id="anna.devries"))
    client.start()
    assert _open_attempts() == 2


def test_the_client_table_of_the_rate_limit_is_bounded():
    limit = login.ClientRateLimit(max_clients=100)
    for n in range(1000):
        assert limit.allow(f"10.0.{n // 256}.{n % 256}", 1)
    assert len(limit._starts) == 100
    assert not limit.allow("10.0.3.231", 1)  # the most recent ones are kept


def test_behind_a_trusted_proxy_the_forwarded_client_is_counted():
    from cbs_monitor.settings import Settings

    direct, proxied = Settings(), Settings(trusted_proxy_hops=1)
    assert login.client_address("10.0.0.1", "203.0.113.9", direct) == "10.0.0.1"
    assert login.client_address("10.0.0.1", "1.2.3.4, 203.0.113.9", proxied) == "203.0.113.9"
    assert login.client_address("10.0.0.1", None, proxied) == "10.0.0.1"
