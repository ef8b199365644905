"""Alembic, driven from the app: the schema changes only through migrations."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from flask import current_app

from .db import driver_url

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(url: str | None = None) -> AlembicConfig:
    cfg = AlembicConfig(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    url = driver_url(url or current_app.config["DATABASE_URL"])
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None) -> None:
    command.upgrade(alembic_config(url), "heads")


def downgrade_to_base(url: str | None = None) -> None:
    command.downgrade(alembic_config(url), "base")
