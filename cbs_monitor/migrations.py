"""Bring the database schema to the latest Alembic revision (used by make run, CLI and tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(db_url: str | None = None) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    if db_url:
        cfg.set_main_option("sqlalchemy.url", db_url)
    return cfg


def upgrade(db_url: str | None = None) -> None:
    from cbs_monitor.settings import get_settings

    settings = get_settings()
    settings.ensure_dirs()
    command.upgrade(alembic_config(db_url or settings.db_url), "head")
