"""Shared fixtures: a fresh database per test, copied from a template that was migrated (and
seeded) once per session, and a clean clock and actor cache.

On SQLite the template is a file copied per test; on PostgreSQL (scripts/test-postgres.sh sets
CBS_MONITOR_TEST_POSTGRES) it is a template database that each test's database is created from.
Migrating and seeding per test cost about 150 s of the unit run."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from cbs_monitor import clock
from cbs_monitor.services import permissions
from cbs_monitor.settings import reset_settings

# Set by scripts/test-postgres.sh: a PostgreSQL server on which each test gets a fresh database.
POSTGRES = os.environ.get("CBS_MONITOR_TEST_POSTGRES")
_ENV = ("CBS_MONITOR_CLOCK_FIXED", "CBS_MONITOR_CLOCK_SHIFT_DAYS", "CBS_MONITOR_DATABASE_URL")


def _server():
    import sqlalchemy

    return sqlalchemy.create_engine(POSTGRES, isolation_level="AUTOCOMMIT")


def _postgres_url(name: str) -> str:
    import sqlalchemy

    url = sqlalchemy.engine.make_url(POSTGRES).set(database=name)
    return url.render_as_string(hide_password=False)


@contextlib.contextmanager
def _environment(values: dict[str, str | None]) -> Iterator[None]:
    previous = {k: os.environ.get(k) for k in values}
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    reset_settings()
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        reset_settings()


def _dispose(url: str) -> None:
    from cbs_monitor.db import engine_for

    engine_for(url).dispose()
    engine_for.cache_clear()


class Templates:
    """Builds each template once (on first use) and hands out copies."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.built: dict[str, str] = {}  # name -> SQLite file path or PostgreSQL database name

    def _build(self, name: str, seeded: bool) -> str:
        from cbs_monitor import db, migrations
        from cbs_monitor.services import demo_data

        data_dir = self.root / name
        data_dir.mkdir(parents=True, exist_ok=True)
        database = f"cbs_tmpl_{name}_{uuid.uuid4().hex[:8]}" if POSTGRES else ""
        url = _postgres_url(database) if POSTGRES else f"sqlite:///{data_dir / 'cbs_monitor.db'}"
        if POSTGRES:
            with _server().connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{database}"')
        with _environment({"CBS_MONITOR_DATA_DIR": str(data_dir), "CBS_MONITOR_DATABASE_URL": url}):
            migrations.upgrade()
            if seeded:
                with db.session() as s:
                    demo_data.seed_demo(s)
            if not POSTGRES:
                with db.get_engine().connect() as conn:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            _dispose(url)
        permissions.forget_cached_actors()
        return database if POSTGRES else str(data_dir / "cbs_monitor.db")

    def copy_into(self, name: str, seeded: bool, data_dir: Path) -> str | None:
        """A fresh database from the template; returns its URL on PostgreSQL (None on SQLite,
        where the copy lands at the data dir's default path)."""
        if name not in self.built:
            self.built[name] = self._build(name, seeded)
        # The data dir's keys go along: the demo verification code is hashed with its secret key.
        data_dir.mkdir(parents=True, exist_ok=True)
        for path in (self.root / name).iterdir():
            if path.is_file() and not path.name.startswith("cbs_monitor.db-"):
                shutil.copyfile(path, data_dir / path.name)
        if POSTGRES:
            database = f"cbs_test_{uuid.uuid4().hex[:12]}"
            with _server().connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{database}" TEMPLATE "{self.built[name]}"')
            return _postgres_url(database)
        return None

    def drop_all(self) -> None:
        if POSTGRES:
            with _server().connect() as conn:
                for database in self.built.values():
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.fixture(scope="session")
def templates(tmp_path_factory) -> Iterator[Templates]:
    found = Templates(tmp_path_factory.mktemp("db-templates"))
    yield found
    found.drop_all()


@contextlib.contextmanager
def _database_from(templates: Templates, name: str, seeded: bool, data_dir: Path, monkeypatch):
    url = templates.copy_into(name, seeded, data_dir)
    if url:
        monkeypatch.setenv("CBS_MONITOR_DATABASE_URL", url)
    reset_settings()
    try:
        yield
    finally:
        if url:
            _dispose(url)
            with _server().connect() as conn:
                database = url.rsplit("/", 1)[-1]
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A private data directory, with the clock and database settings cleared."""
    path = tmp_path / "data"
    monkeypatch.setenv("CBS_MONITOR_DATA_DIR", str(path))
    # Validation jobs run in-process right after the receipt commits; the worker's own tests
    # (tests/services/test_validation_worker.py) use the real SQLite or PostgreSQL queue.
    monkeypatch.setenv("CBS_MONITOR_JOB_QUEUE", "immediate")
    for name in _ENV:
        monkeypatch.delenv(name, raising=False)
    reset_settings()
    yield path
    reset_settings()


@pytest.fixture(params=["local", "database"])
def file_storage(request, data_dir, monkeypatch) -> Iterator[str]:
    """Each test using it runs once per file storage backend (CBS_MONITOR_FILE_STORAGE)."""
    monkeypatch.setenv("CBS_MONITOR_FILE_STORAGE", request.param)
    reset_settings()
    yield request.param
    reset_settings()


@pytest.fixture
def migrated_db(data_dir, templates, monkeypatch):
    """A migrated, empty database; yields the `cbs_monitor.db` module (use db.session())."""
    from cbs_monitor import db

    with _database_from(templates, "migrated", False, data_dir, monkeypatch):
        yield db


@pytest.fixture
def demo_db(data_dir, templates, monkeypatch):
    """The migrated database with the demo data seeded (periods around today)."""
    from cbs_monitor import db

    with _database_from(templates, "demo", True, data_dir, monkeypatch):
        yield db


def demo_morning() -> dt.datetime:
    """10:00 today, the day the demo data's windows are counted from (demo_data.demo_periods): a
    test that pins the clock for demo_db pins it here, never on a date that passes."""
    return dt.datetime.combine(clock.today(), dt.time(10))


@pytest.fixture(autouse=True)
def _reset_clock_and_actors():
    permissions.forget_cached_actors()
    yield
    clock.set_fixed(None)
    permissions.forget_cached_actors()
