"""Two nodes starting at once both migrate: on PostgreSQL one does the work, the other waits for
its advisory lock and finds the schema at head (without it, both create the same tables)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest
import sqlalchemy

from tests.conftest import POSTGRES, _postgres_url, _server


@pytest.mark.skipif(not POSTGRES, reason="PostgreSQL pass only (scripts/test-postgres.sh)")
def test_two_migrations_at_once_on_one_database(tmp_path):
    name = f"cbs_together_{uuid.uuid4().hex[:8]}"
    server = _server()
    with server.connect() as conn:
        conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    try:
        env = {
            **os.environ,
            "CBS_MONITOR_DATABASE_URL": _postgres_url(name),
            "CBS_MONITOR_DATA_DIR": str(tmp_path),
        }
        runs = [
            subprocess.Popen(
                [sys.executable, "-m", "cbs_monitor.cli", "migrate"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            for _ in range(2)
        ]
        outputs = [run.communicate(timeout=120)[0].decode() for run in runs]
        assert [run.returncode for run in runs] == [0, 0], outputs
        engine = sqlalchemy.create_engine(_postgres_url(name))
        with engine.connect() as conn:
            heads = conn.execute(sqlalchemy.text("SELECT version_num FROM alembic_version")).all()
        engine.dispose()
        assert len(heads) == 1
    finally:
        with server.connect() as conn:
            conn.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()
