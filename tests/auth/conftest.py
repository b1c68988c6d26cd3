"""Fixtures of the login tests: a fresh seeded database per test, and an in-process portal client
that drives the real routes (login, built-in provider, callback, verification page)."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from html import unescape
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from starlette.applications import Starlette

from cbs_monitor import clock, db, migrations
from cbs_monitor.services.accounts import codes
from cbs_monitor.settings import reset_settings

BASE_URL = "http://127.0.0.1:3999"
_FILES = ("cbs_monitor.db", "secret.key", "idp-signing-key.json")


def _point_at(data_dir: Path, extra: dict[str, str] | None = None) -> dict[str, str | None]:
    """Set the environment for a data dir; returns the previous values."""
    values = {
        "CBS_MONITOR_DATA_DIR": str(data_dir),
        "CBS_MONITOR_BASE_URL": BASE_URL,
        "CBS_MONITOR_MODE": "development",
        "CBS_MONITOR_OIDC_ISSUER": "",
        "CBS_MONITOR_SCHEDULER_ENABLED": "0",
        **(extra or {}),
    }
    previous = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    reset_settings()
    return previous


def _restore(previous: dict[str, str | None]) -> None:
    for k, v in previous.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    reset_settings()


@pytest.fixture(scope="session")
def template_dir(tmp_path_factory) -> Path:
    """Migrated and demo-seeded once; every test gets a copy."""
    from cbs_monitor.auth import builtin_idp
    from cbs_monitor.services import demo_data
    from cbs_monitor.settings import get_settings

    path = tmp_path_factory.mktemp("auth-template")
    previous = _point_at(path)
    try:
        migrations.upgrade()
        with db.session() as s:
            demo_data.seed_demo(s)
            codes.issue_demo_code(s)
        builtin_idp.signing_key(get_settings())
        db.get_engine().dispose()
        db.engine_for.cache_clear()
    finally:
        _restore(previous)
    return path


@pytest.fixture
def portal_env(template_dir, tmp_path):
    """Settings pointing at a private copy of the seeded database."""
    from cbs_monitor.settings import get_settings

    for name in _FILES:
        shutil.copy2(template_dir / name, tmp_path / name)
    from cbs_monitor.auth import login

    previous = _point_at(tmp_path)
    clock.set_fixed(None)
    login.rate_limit.clear()  # every test is a fresh client
    yield get_settings()
    clock.set_fixed(None)
    db.get_engine().dispose()
    db.engine_for.cache_clear()
    _restore(previous)


@pytest.fixture
def dbs(portal_env):
    """A database session on the test's copy (committed on exit)."""
    with db.session() as s:
        yield s


# --- driving the real routes in-process -----------------------------------------------------------

_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


class Browser:
    """A cookie-keeping HTTP client on the portal's auth routes (no redirects followed by itself)."""

    def __init__(self, app: Starlette, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=BASE_URL, follow_redirects=False
        )

    def run(self, coro):
        return self.loop.run_until_complete(coro)

    def get(self, url: str, **kw) -> httpx.Response:
        return self.run(self.http.get(url, **kw))

    def post(self, url: str, **kw) -> httpx.Response:
        return self.run(self.http.post(url, **kw))

    def start(self) -> tuple[str, dict]:
        """GET /auth/login: returns the provider's authorize URL and its parameters."""
        response = self.get("/auth/login")
        assert response.status_code == 303, response.text
        location = response.headers["location"]
        return location, dict(parse_qsl(urlsplit(location).query))

    def choose(
        self,
        authorize_params: dict,
        *,
        employee_id: str | None = None,
        organisation: str | None = None,
    ) -> httpx.Response:
        """Pick an identity on the built-in provider's page (as its form does)."""
        page = self.get("/idp/authorize", params=authorize_params)
        assert page.status_code == 200, page.text
        assert "Kies een testidentiteit" in page.text
        if organisation is None:
            match = re.search(r"value='([0-9]+\|" + re.escape(employee_id) + r")'", page.text)
            assert match, f"{employee_id} not on the chooser page"
            data = {**authorize_params, "identity": unescape(match.group(1))}
        else:
            data = {
                **authorize_params,
                "identity": "manual",
                "organisation_identifier": organisation,
                "employee_id": employee_id,
            }
        return self.post("/idp/authorize", data=data)

    def callback(self, provider_response: httpx.Response) -> httpx.Response:
        assert provider_response.status_code == 302, provider_response.text
        location = provider_response.headers["location"]
        assert location.startswith(BASE_URL + "/auth/callback")
        return self.get(location[len(BASE_URL) :])

    def login(self, employee_id: str, organisation: str | None = None) -> httpx.Response:
        """The whole round trip; returns the callback's response (redirect + cookies)."""
        _, params = self.start()
        return self.callback(
            self.choose(params, employee_id=employee_id, organisation=organisation)
        )

    @property
    def session_cookie(self) -> str | None:
        from cbs_monitor.services import sessions

        return self.http.cookies.get(sessions.COOKIE_NAME)

    def verification_csrf(self) -> str:
        page = self.get("/verificatiecode")
        assert page.status_code == 200, page.text
        return dict(_HIDDEN.findall(page.text))["csrf"]

    def submit_code(self, code: str, csrf: str | None = None) -> httpx.Response:
        csrf = csrf if csrf is not None else self.verification_csrf()
        return self.post("/verificatiecode", data={"csrf": csrf, "code": code})

    def close(self):
        self.run(self.http.aclose())


@pytest.fixture
def auth_app(portal_env) -> Starlette:
    from cbs_monitor.auth import routes

    return Starlette(routes=routes.routes())


@pytest.fixture
def browser_factory(auth_app):
    made: list[Browser] = []
    loop = asyncio.new_event_loop()

    def make() -> Browser:
        b = Browser(auth_app, loop)
        made.append(b)
        return b

    yield make
    for b in made:
        b.close()
    loop.close()


@pytest.fixture
def client(browser_factory) -> Browser:
    return browser_factory()


def desk(session):
    """The servicedesk actor (gerda.smit): the administration use cases require one."""
    from sqlmodel import select

    from cbs_monitor.models import User
    from cbs_monitor.services.permissions import load_actor

    user = session.exec(select(User).where(User.employee_id == "gerda.smit")).one()
    return load_actor(session, user.id)
