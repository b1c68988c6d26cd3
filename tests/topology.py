"""The portal as the browser tests meet it: the embedded set-up (one `reflex run --env prod` on
SQLite, as `make run`) or the production topology (scripts/run-production.sh: PostgreSQL, Redis,
two nodes behind nginx). Both start on a free loopback port and stop by their process group."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
# `make test-production` sets this; the tests under tests/production always use "production".
TOPOLOGY = os.environ.get("CBS_E2E_TOPOLOGY", "embedded")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text()[-4000:]}")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as resp:
            if resp.status == 200:
                return
        time.sleep(0.5)
    raise RuntimeError(f"server not up within {timeout}s:\n{log.read_text()[-4000:]}")


def read_env_file(path: Path) -> dict[str, str]:
    """The `export NAME=value` lines run-production.sh writes for every node."""
    values = {}
    for line in path.read_text().splitlines():
        if line.startswith("export ") and "=" in line:
            name, value = line.removeprefix("export ").split("=", 1)
            values[name] = value
    return values


@dataclasses.dataclass
class Portal:
    base_url: str
    data_dir: Path
    topology: str
    log: Path
    # The settings the server runs with that the test process must share to reach its data.
    env: dict[str, str] = dataclasses.field(default_factory=dict)

    def __iter__(self):  # `base_url, data_dir = e2e_server`
        return iter((self.base_url, self.data_dir))

    @property
    def production_dir(self) -> Path:
        return self.data_dir / "production"

    def node_pgid(self, node: int) -> int:
        return int((self.production_dir / f"node{node}.pgid").read_text())

    def node_url(self, node: int) -> str:
        return f"http://127.0.0.1:{(self.production_dir / f'node{node}.port').read_text().strip()}"

    def stored_states(self) -> list[tuple[str, bytes]]:
        """What the state store holds on disk or in Redis: (name, bytes). The embedded portal keeps
        its tabs' states in memory (rxconfig.py), so there it should find nothing."""
        if self.topology == "production":
            import redis

            client = redis.Redis.from_url(self.env["REFLEX_REDIS_URL"])
            try:
                return [
                    (key.decode(errors="replace"), client.get(key) or b"")
                    for key in client.scan_iter()
                    if client.type(key) == b"string"
                ]
            finally:
                client.close()
        return [
            (str(p), p.read_bytes()) for p in (self.data_dir / "states").rglob("*") if p.is_file()
        ]

    def server_log(self) -> str:
        if self.topology == "production":
            logs = sorted(self.production_dir.glob("node*/*.log"))
            return "".join(p.read_text(errors="replace") for p in logs)
        return self.log.read_text(errors="replace")


def embedded_env(data_dir: Path, port: int) -> dict[str, str]:
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


def _ports(port: int) -> list[str]:
    return ["--frontend-port", str(port), "--backend-port", str(port)]


def _start_embedded(data_dir: Path, port: int, log: Path) -> subprocess.Popen:
    env = embedded_env(data_dir, port)
    python = str(ROOT / ".venv" / "bin" / "python")
    for command in (["migrate"], ["seed-demo"]):
        subprocess.run(
            [python, "-m", "cbs_monitor.cli", *command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    reflex = str(ROOT / ".venv" / "bin" / "reflex")
    with open(log, "w") as out:
        return subprocess.Popen(
            [reflex, "run", "--env", "prod", "--backend-host", "127.0.0.1", *_ports(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _start_production(data_dir: Path, port: int, log: Path) -> subprocess.Popen:
    data_dir.chmod(0o755)  # PostgreSQL runs as its own user and must reach its folder inside
    env = dict(os.environ)
    env.update(
        {"HOST": "127.0.0.1", "PORT": str(port), "CBS_PRODUCTION_DIR": str(data_dir / "production")}
    )
    with open(log, "w") as out:
        return subprocess.Popen(
            ["bash", str(ROOT / "scripts" / "run-production.sh")],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


@contextlib.contextmanager
def running_portal(topology: str, data_dir: Path, log: Path) -> Iterator[Portal]:
    """Start the portal, wait until it serves its login page, and stop it afterwards."""
    port = free_port()
    start = _start_production if topology == "production" else _start_embedded
    proc = start(data_dir, port, log)
    base_url = f"http://127.0.0.1:{port}"
    try:
        ready = "/healthz" if topology == "production" else "/ping"
        wait_for(f"{base_url}{ready}", 900 if topology == "production" else 300, proc, log)
        wait_for(f"{base_url}/login/", 60, proc, log)
        env = {}
        if topology == "production":
            env = read_env_file(data_dir / "production" / "env")
        yield Portal(base_url, data_dir, topology, log, env)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def pointed_at(portal: Portal) -> contextlib.AbstractContextManager[None]:
    """This test process uses the portal's database (arranging and checking), then lets go."""
    from tests.conftest import _environment

    return _environment(
        {
            "CBS_MONITOR_DATA_DIR": str(portal.data_dir),
            **portal.env,  # the production settings (its database, queue and storage) win
            "CBS_MONITOR_BASE_URL": portal.base_url,
        }
    )
