"""`make bench-rush`: the servers measured. Each target is started by a command in a session of
its own, is reached at http://127.0.0.1:PORT, and is stopped through its process group.

- embedded:   the portal as `make run` serves it (one `reflex run --env prod`, SQLite, the
              worker started by the server), on a temporary data dir with the demo data;
- production: `scripts/run-production.sh` (nginx in front of two portal nodes; its contract is
              in `ProductionTarget`);
- bare:       bench/bare_app, a counter app, with `reflex run --env prod`.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _reflex_env(data_dir: Path, web_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "PATH": f"{VENV_BIN}:{env.get('PATH', '')}",
            "REFLEX_USE_NPM": "1",
            "REFLEX_CHECK_LATEST_VERSION": "0",
            "REFLEX_TELEMETRY_ENABLED": "0",
            # A web build folder of its own, so a running `make run` or e2e run is not disturbed.
            "REFLEX_WEB_WORKDIR": str(web_dir),
            "REFLEX_STATES_WORKDIR": str(data_dir / "states"),
        }
    )
    return env


def _reflex_run(port: int) -> list[str]:
    return [
        str(VENV_BIN / "reflex"),
        "run",
        "--env",
        "prod",
        "--frontend-port",
        str(port),
        "--backend-port",
        str(port),
        "--backend-host",
        "127.0.0.1",
    ]


class Target:
    """A server in a session of its own; `stop` ends only that session's process group."""

    name = ""
    ready_path = "/ping"
    # Seconds a first start may take (npm install and the production build).
    start_timeout = 600.0

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.dir = Path(tempfile.mkdtemp(prefix=f"cbs-rush-{self.name}-"))
        self.log = self.dir / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None

    # What the subclasses fill in.
    def command(self) -> tuple[list[str], Path, dict[str, str]]:
        raise NotImplementedError

    def before_start(self, env: dict[str, str]) -> None:
        """Work on the target's data before its server starts (migrations, demo data)."""

    def db_env(self) -> dict[str, str] | None:
        """The environment under which the portal's own code opens this target's database."""
        return None

    def node_pgids(self) -> list[int]:
        """Process groups of the portal nodes (the kill run kills the first)."""
        return []

    def origin(self) -> str:
        return self.url

    # Starting and stopping.
    def start(self) -> None:
        argv, cwd, env = self.command()
        self.before_start(env)
        started = time.monotonic()
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self._wait_ready()
        print(
            f"  {self.name}: up at {self.url} after {time.monotonic() - started:.0f} s", flush=True
        )

    def _wait_ready(self) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self._tail()}")
            try:
                with urllib.request.urlopen(self.url + self.ready_path, timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"{self.name} not up within {self.start_timeout:.0f} s:\n{self._tail()}")

    def _tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def stop(self, timeout: float = 60.0) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def cleanup(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    # What the usage sampler counts as this target's processes.
    def sessions(self) -> set[int]:
        return {self.proc.pid} if self.proc is not None else set()

    def marker(self) -> str:
        """Processes whose command line names this (a daemon that left the session)."""
        return str(self.dir)


class EmbeddedTarget(Target):
    """The portal as `make run` serves it, on its own data dir (tests/e2e/conftest.py's env)."""

    name = "embedded"

    def command(self) -> tuple[list[str], Path, dict[str, str]]:
        env = _reflex_env(self.dir, ROOT / ".web-bench")
        env.update(
            {
                "CBS_MONITOR_DATA_DIR": str(self.dir),
                "CBS_MONITOR_BASE_URL": self.url,
                "CBS_MONITOR_SCHEDULER_ENABLED": "true",
                # Validation jobs on the embedded queue, by the worker the server starts itself.
                "CBS_MONITOR_JOB_QUEUE": "sqlite",
            }
        )
        self._env = env
        return _reflex_run(self.port), ROOT, env

    def before_start(self, env: dict[str, str]) -> None:
        for step in (["migrate"], ["seed-demo"]):
            subprocess.run(
                [sys.executable, "-m", "cbs_monitor.cli", *step],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
            )

    def db_env(self) -> dict[str, str]:
        return self._env


class ProductionTarget(Target):
    """`PORT=<p> CBS_PRODUCTION_DIR=<dir> bash scripts/run-production.sh`: runs in the foreground,
    serves through nginx on 127.0.0.1:$PORT, is ready when /healthz answers 200, and writes
    $CBS_PRODUCTION_DIR/env (`export NAME=value` lines: the database, data dir, queue, Redis and
    file storage settings) and node1.pgid / node2.pgid (the portal nodes' process groups)."""

    name = "production"
    ready_path = "/healthz"
    script = ROOT / "scripts" / "run-production.sh"

    def __init__(self) -> None:
        super().__init__()
        # PostgreSQL runs as its own user and must reach its folder inside this one.
        self.dir.chmod(0o755)

    @classmethod
    def available(cls) -> bool:
        return cls.script.exists()

    def command(self) -> tuple[list[str], Path, dict[str, str]]:
        env = dict(os.environ)
        env.update(
            {
                "PATH": f"{VENV_BIN}:{env.get('PATH', '')}",
                "PORT": str(self.port),
                "CBS_PRODUCTION_DIR": str(self.dir),
            }
        )
        return ["bash", str(self.script)], ROOT, env

    def _exported(self) -> dict[str, str]:
        found: dict[str, str] = {}
        env_file = self.dir / "env"
        if not env_file.exists():
            return found
        for line in env_file.read_text().splitlines():
            words = shlex.split(line, comments=True)
            if len(words) == 2 and words[0] == "export" and "=" in words[1]:
                name, _, value = words[1].partition("=")
                found[name] = value
        return found

    def db_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PATH"] = f"{VENV_BIN}:{env.get('PATH', '')}"
        env.update(self._exported())
        return env

    def origin(self) -> str:
        return self._exported().get("CBS_MONITOR_BASE_URL", self.url).rstrip("/")

    def node_pgids(self) -> list[int]:
        pgids = []
        for node in ("node1", "node2"):
            path = self.dir / f"{node}.pgid"
            if path.exists():
                pgids.append(int(path.read_text().strip()))
        return pgids


class BareTarget(Target):
    """bench/bare_app: a counter, nothing else; measured alone."""

    name = "bare"
    app_dir = ROOT / "bench" / "bare_app"

    def command(self) -> tuple[list[str], Path, dict[str, str]]:
        return _reflex_run(self.port), self.app_dir, _reflex_env(self.dir, ROOT / ".web-bench-bare")
