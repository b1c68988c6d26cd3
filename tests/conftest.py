"""Shared fixtures: a fresh migrated SQLite database per test, and a clean clock."""

from __future__ import annotations

import contextlib
import os
import uuid

import pytest

from cbs_monitor import clock
from cbs_monitor.settings import reset_settings

# Set by scripts/test-postgres.sh: a PostgreSQL server on which each test gets a fresh database.
POSTGRES = os.environ.get("CBS_MONITOR_TEST_POSTGRES")


@contextlib.contextmanager
def _fresh_postgres_database():
    import sqlalchemy

    name = f"cbs_test_{uuid.uuid4().hex[:12]}"
    server = sqlalchemy.create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    url = (
        sqlalchemy.engine.make_url(POSTGRES)
        .set(database=name)
        .render_as_string(hide_password=False)
    )
    try:
        yield url
    finally:
        from cbs_monitor.db import engine_for

        engine_for(url).dispose()
        with server.connect() as conn:
            conn.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CBS_MONITOR_DATA_DIR", str(tmp_path / "data"))
    for name in (
        "CBS_MONITOR_CLOCK_FIXED",
        "CBS_MONITOR_CLOCK_SHIFT_DAYS",
        "CBS_MONITOR_DATABASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    with contextlib.ExitStack() as stack:
        if POSTGRES:
            monkeypatch.setenv(
                "CBS_MONITOR_DATABASE_URL", stack.enter_context(_fresh_postgres_database())
            )
        reset_settings()
        yield tmp_path / "data"
        reset_settings()


@pytest.fixture
def migrated_db(data_dir):
    """A migrated, empty database; yields the `cbs_monitor.db` module (use db.session())."""
    from cbs_monitor import db, migrations

    migrations.upgrade()
    yield db


@pytest.fixture
def demo_db(migrated_db):
    """The migrated database with the demo data seeded."""
    from cbs_monitor.services import demo_data

    with migrated_db.session() as s:
        demo_data.seed_demo(s)
    yield migrated_db


@pytest.fixture(autouse=True)
def _reset_clock():
    yield
    clock.set_fixed(None)
