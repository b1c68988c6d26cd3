"""Browser tests: one real `reflex run --env prod` per test session on a free loopback port,
with a temporary data directory, driven by Playwright in Debian's Chromium."""

from __future__ import annotations

import fcntl
import shutil
import tempfile
from pathlib import Path

import pytest

from tests import topology
from tests.topology import ARTIFACTS, ROOT

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def e2e_server():
    """Start the portal once (the topology of CBS_E2E_TOPOLOGY); yields a Portal, which unpacks
    as (base_url, data_dir). Serialised across concurrent runs in one checkout by a lock."""
    ARTIFACTS.mkdir(exist_ok=True)
    lock = open(ROOT / ".e2e.lock", "w")  # noqa: SIM115 — held for the whole session
    fcntl.flock(lock, fcntl.LOCK_EX)
    data_dir = Path(tempfile.mkdtemp(prefix="cbs-e2e-"))
    try:
        with topology.running_portal(
            topology.TOPOLOGY, data_dir, ARTIFACTS / "e2e-server.log"
        ) as portal:
            yield portal
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def base_url(e2e_server) -> str:
    return e2e_server.base_url


@pytest.fixture(scope="session")
def e2e_db(e2e_server):
    """Point this test process at the server's database for arranging and checking."""
    with topology.pointed_at(e2e_server):
        from cbs_monitor import db

        yield db


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, base_url, request):
    context = browser.new_context(
        base_url=base_url,
        viewport={"width": 1366, "height": 900},
        accept_downloads=True,
        locale="nl-NL",
    )
    context.set_default_timeout(20_000)
    pg = context.new_page()
    yield pg
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        pg.screenshot(path=str(ARTIFACTS / f"FAILED-{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report


@pytest.fixture
def login_as(e2e_db, base_url):
    """Log a demo user in without the OIDC round trip (tests of the login itself use the real flow)."""
    from sqlmodel import select

    from cbs_monitor.models import User
    from cbs_monitor.services import sessions

    def _login(page, employee_id: str) -> None:
        with e2e_db.session() as s:
            user = s.exec(select(User).where(User.employee_id == employee_id)).one()
            token = sessions.create_session(s, user.id)
        page.context.add_cookies(
            [
                {
                    "name": sessions.COOKIE_NAME,
                    "value": token,
                    "url": base_url,
                    "httpOnly": True,
                    "sameSite": "Lax",
                }
            ]
        )

    return _login


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as a test artefact (looked at by people, kept by CI)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
