"""The schema changes only through migrations: models and migrations never drift."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from dispatch.db import driver_url
from dispatch.migrate import downgrade_to_base, upgrade
from dispatch.models import metadata

from .support import IN_CI, fresh_postgres_database, postgres_available

BACKENDS = ["sqlite"] + (["postgresql"] if IN_CI or postgres_available() else [])


@pytest.fixture(params=BACKENDS)
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'migrations.db'}"
    return fresh_postgres_database("dispatch_migrations")


def test_migrations_match_the_models_and_go_down_again(empty_database):
    upgrade(empty_database)
    engine = create_engine(driver_url(empty_database))
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        drift = compare_metadata(context, metadata)
    assert drift == [], f"models and migrations differ: {drift}"
    assert set(metadata.tables) <= set(inspect(engine).get_table_names())

    downgrade_to_base(empty_database)
    remaining = set(inspect(engine).get_table_names()) - {"alembic_version"}
    assert remaining == set()
    upgrade(empty_database)  # and up again from nothing
    assert set(metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()
