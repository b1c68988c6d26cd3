"""Browser tests: one real `reflex run --env prod` per test session on a free loopback port,
with a temporary data directory, driven by Playwright in Debian's Chromium."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, timeout: float, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"server not up within {timeout}s:\n{log.read_text()[-4000:]}")


def server_env(data_dir: Path, port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "PATH": f"{ROOT / '.venv' / 'bin'}:{env.get('PATH', '')}",
            "REFLEX_USE_NPM": "1",
            "REFLEX_CHECK_LATEST_VERSION": "0",
            "REFLEX_TELEMETRY_ENABLED": "0",
            # Its own web build folder, so a running `make run` is not disturbed.
            "REFLEX_WEB_WORKDIR": str(ROOT / ".web-e2e"),
            # The state store of this run: tests read it to see that no session token lands there.
            "REFLEX_STATES_WORKDIR": str(data_dir / "states"),
            "CBS_MONITOR_DATA_DIR": str(data_dir),
            "CBS_MONITOR_BASE_URL": f"http://127.0.0.1:{port}",
            "CBS_MONITOR_SCHEDULER_ENABLED": env.get("CBS_MONITOR_SCHEDULER_ENABLED", "true"),
            # Validation jobs on the embedded queue, by the worker the server starts itself.
            "CBS_MONITOR_JOB_QUEUE": "sqlite",
        }
    )
    return env


@pytest.fixture(scope="session")
def e2e_server():
    """Start the portal once; yields (base_url, data_dir). Serialised across concurrent runs by a lock."""
    ARTIFACTS.mkdir(exist_ok=True)
    lock = open(ROOT / ".e2e.lock", "w")  # noqa: SIM115 — held for the whole session
    fcntl.flock(lock, fcntl.LOCK_EX)
    data_dir = Path(tempfile.mkdtemp(prefix="cbs-e2e-"))
    port = _free_port()
    env = server_env(data_dir, port)
    python = str(ROOT / ".venv" / "bin" / "python")
    for command in (["migrate"], ["seed-demo"]):
        subprocess.run(
            [python, "-m", "cbs_monitor.cli", *command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    log = ARTIFACTS / "e2e-server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "reflex"),
                "run",
                "--env",
                "prod",
                "--frontend-port",
                str(port),
                "--backend-port",
                str(port),
                "--backend-host",
                "127.0.0.1",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base_url}/ping", 300, proc, log)
        _wait_for(f"{base_url}/login/", 60, proc, log)
        yield base_url, data_dir
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def base_url(e2e_server) -> str:
    return e2e_server[0]


@pytest.fixture(scope="session")
def e2e_db(e2e_server):
    """Point this test process at the server's database (same data dir) for arranging and checking."""
    from cbs_monitor.settings import reset_settings

    os.environ["CBS_MONITOR_DATA_DIR"] = str(e2e_server[1])
    os.environ["CBS_MONITOR_BASE_URL"] = e2e_server[0]
    reset_settings()
    from cbs_monitor import db

    yield db
    reset_settings()


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
