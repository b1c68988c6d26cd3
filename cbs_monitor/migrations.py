"""Bring the database schema to the latest Alembic revision (used by make run, CLI and tests)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy
from alembic import command
from alembic.config import Config

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(db_url: str | None = None) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    if db_url:
        cfg.set_main_option("sqlalchemy.url", db_url)
    return cfg


# Nodes that start together each migrate first: on PostgreSQL one migrates, the others wait for
# it and then find nothing to do (an advisory lock; SQLite serialises writers by itself).
MIGRATION_LOCK_KEY = 0x43425331


@contextlib.contextmanager
def _one_at_a_time(url: str) -> Iterator[None]:
    if not url.startswith("postgresql"):
        yield
        return
    engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.pool.NullPool)
    try:
        with engine.connect() as conn:
            conn.execute(
                sqlalchemy.text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
            )
            try:
                yield
            finally:
                conn.execute(
                    sqlalchemy.text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
    finally:
        engine.dispose()


def upgrade(db_url: str | None = None) -> None:
    from cbs_monitor.settings import get_settings

    settings = get_settings()
    settings.ensure_dirs()
    url = db_url or settings.db_url
    with _one_at_a_time(url):
        command.upgrade(alembic_config(url), "head")
