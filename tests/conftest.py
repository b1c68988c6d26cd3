"""Shared fixtures: a fresh migrated SQLite database per test, and a clean clock."""

from __future__ import annotations

import pytest

from cbs_monitor import clock
from cbs_monitor.settings import reset_settings


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CBS_MONITOR_DATA_DIR", str(tmp_path / "data"))
    for name in ("CBS_MONITOR_CLOCK_FIXED", "CBS_MONITOR_CLOCK_SHIFT_DAYS", "CBS_MONITOR_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
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
