"""One app per database backend for the whole run; every test starts from the same seeded state.

SQLite always; PostgreSQL too when it answers (and always with CI=true, where a
missing PostgreSQL is an error, never a skip).
"""
from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import ExitStack
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from dispatch import create_app
from dispatch.auth import service as auth_service
from dispatch.db import db
from dispatch.demo import DEMO_PASSWORD, seed_units_and_users
from dispatch.extensions import limiter
from dispatch.migrate import upgrade
from dispatch.models import metadata
from realtime import init_app as init_realtime
from realtime.follower import follower_of

from .browser import browser, open_session, server  # noqa: F401 (the browser modules' fixtures, one each a run)
from .support import (IN_CI, ROOT, ApiClient, drop_created_databases, fresh_postgres_database,
                      postgres_available)

BACKENDS = ["sqlite"] + (["postgresql"] if IN_CI or postgres_available() else [])
# an extra pass may name its backends (CI's ten-years-ahead pass: SQLite alone, both ran in the run before)
BACKENDS = [name for name in BACKENDS if name in (os.environ.get("DISPATCH_TEST_BACKENDS") or name).split(",")]
# DISPATCH_TEST_CLOCK_SHIFT_DAYS=3650 runs the in-process suite as if it were ten years from now.
CLOCK_SHIFT_DAYS = float(os.environ.get("DISPATCH_TEST_CLOCK_SHIFT_DAYS") or 0)
# Otherwise the in-process tests on PostgreSQL run a year ahead, those on SQLite today: each backend
# meets a date other than today's in the run itself, with no pass of its own for it.
POSTGRES_AHEAD_DAYS = 365
_run = {}


def pytest_configure(config):
    """Before any app exists: catalogues compiled outside the source tree; the clock moved if asked."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    compiled = Path(tempfile.mkdtemp(prefix="dispatch-translations-"))
    for source in (ROOT / "translations").glob("*/LC_MESSAGES/messages.po"):
        target = compiled / source.relative_to(ROOT / "translations").with_suffix(".mo")
        target.parent.mkdir(parents=True, exist_ok=True)
        with source.open("rb") as po, target.open("wb") as mo:
            write_mo(mo, read_po(po))
    # real server processes started by the tests inherit it too
    os.environ["DISPATCH_TRANSLATIONS_DIR"] = str(compiled)
    _run["translations"] = compiled
    if CLOCK_SHIFT_DAYS:
        import time_machine

        # time-machine moves only this process's wall clock (time.time, datetime.now) and lets
        # it tick; monotonic clocks and sleeps stay real, so timeouts and timers behave.
        _run["traveller"] = time_machine.travel(
            datetime.now(timezone.utc) + timedelta(days=CLOCK_SHIFT_DAYS), tick=True)
        _run["traveller"].start()


# The longest work first, so the two workers finish together: a long test that starts last is a worker idle
# for its length. Ranked by marker; a group (a module with its own servers) takes its first item's rank.
RANK = (("long", 0), ("servers", 1), ("browser", 2))


def _rank(item) -> int:
    return next((rank for name, rank in RANK if item.get_closest_marker(name)), len(RANK))


def _has_module_fixtures(item) -> bool:
    return any(definition.scope == "module"
               for definitions in item._fixtureinfo.name2fixturedefs.values() for definition in definitions)


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config, items):
    """Tests marked one_backend run on SQLite alone.

    A module with module-scoped fixtures (its own servers) stays on one worker; every other test,
    browser tests included (each worker has its session's server and Chromium), goes where a
    worker is free, the longest first (`Makefile` runs xdist without its own reordering)."""
    kept, deselected = [], []
    for item in items:
        params = getattr(item, "callspec", None) and item.callspec.params
        if item.get_closest_marker("one_backend") and params and params.get("backend_app") == "postgresql":
            deselected.append(item)
            continue
        if _has_module_fixtures(item):
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))
        kept.append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
    module_rank: dict[str, int] = {}
    for item in kept:
        if _has_module_fixtures(item):
            module_rank[item.module.__name__] = min(module_rank.get(item.module.__name__, 9), _rank(item))
    order = {id(item): n for n, item in enumerate(kept)}
    kept.sort(key=lambda item: (module_rank.get(item.module.__name__, _rank(item)), order[id(item)]))
    items[:] = kept


def pytest_report_header(config):
    if CLOCK_SHIFT_DAYS:
        return f"clock moved {CLOCK_SHIFT_DAYS:g} days ahead: now {datetime.now(timezone.utc).isoformat()}"
    return f"in-process tests on PostgreSQL run {POSTGRES_AHEAD_DAYS} days ahead"


def pytest_unconfigure(config):
    if "traveller" in _run:
        _run.pop("traveller").stop()
    shutil.rmtree(_run.pop("translations", ""), ignore_errors=True)
    drop_created_databases()


def database_url(backend: str, tmp_path_factory, name: str = "dispatch_test") -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp(name) / 'test.db'}"
    return fresh_postgres_database(name)


@pytest.fixture(scope="session", params=BACKENDS)
def backend_app(request, tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    os.environ["DISPATCH_INSTANCE_DIR"] = str(instance)
    url = database_url(request.param, tmp_path_factory)
    application = create_app("test", DATABASE_URL=url, SOCKETIO_ASYNC_MODE="threading")
    init_realtime(application)
    with application.app_context():
        upgrade(url)
        auth_service.configure_hasher(1, 64)
        application.config["TEST_PASSWORD_HASH"] = auth_service.hash_password(DEMO_PASSWORD)
    application.config["BACKEND"] = request.param
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def reset_database() -> None:
    """Empty every table, restart the counters and seed the units and users again.

    PostgreSQL: one round trip of DELETEs and sequence resets; TRUNCATE of every
    table costs hundreds of milliseconds a test, DELETE of a few rows a handful.
    """
    names = [table.name for table in reversed(metadata.sorted_tables)]
    connection = db.session.connection()
    if db.engine.dialect.name == "postgresql":
        sequences = _run.get("sequences")
        if sequences is None:
            sequences = _run["sequences"] = connection.exec_driver_sql(
                "SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = 'public'"
            ).scalars().all()
        statements = [f"DELETE FROM {name}" for name in names]
        statements += [f"ALTER SEQUENCE {name} RESTART" for name in sequences]
        connection.exec_driver_sql("; ".join(statements))
    else:
        for name in names:
            connection.exec_driver_sql(f"DELETE FROM {name}")
    connection.exec_driver_sql("INSERT INTO event_counter (id, last_seq) VALUES (1, 0)")
    db.session.commit()


@pytest.fixture
def app(backend_app, request):
    """The app of one backend, its database emptied and reseeded for this test.

    Tests that start real server processes and use none of these fixtures run
    once, not once per backend. On PostgreSQL the test's clock is a year ahead (POSTGRES_AHEAD_DAYS), unless
    it talks to real processes (`servers`), which keep the real clock.
    """
    with ExitStack() as stack:
        if backend_app.config["BACKEND"] == "postgresql" and not CLOCK_SHIFT_DAYS \
                and not request.node.get_closest_marker("servers"):
            import time_machine

            stack.enter_context(time_machine.travel(
                datetime.now(timezone.utc) + timedelta(days=POSTGRES_AHEAD_DAYS), tick=True))
        with backend_app.app_context():
            reset_database()
            seed_units_and_users(backend_app.config["TEST_PASSWORD_HASH"])
            db.session.remove()
        Path(backend_app.config["AUDIT_ANCHOR"]).unlink(missing_ok=True)  # the heads of the log just emptied
        follower_of(backend_app).forget()  # the log starts again at seq 1
        limiter.reset()
        yield backend_app
        with backend_app.app_context():
            db.session.remove()


@pytest.fixture(params=["zh", "en"])
def demo_language(app, request, monkeypatch):
    """The demo's texts written in each language in turn (DISPATCH_DEMO_LANGUAGE)."""
    monkeypatch.setitem(app.config, "DISPATCH_DEMO_LANGUAGE", request.param)
    return request.param


@pytest.fixture
def ctx(app):
    """An application context for arranging data through the services."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client_for(app):
    """client_for("duty") -> an API client signed in as that demo user."""

    def make(username: str | None = None) -> ApiClient:
        return ApiClient(app.test_client(), username)

    return make


@pytest.fixture
def duty(client_for):
    return client_for("duty")


@pytest.fixture
def leader(client_for):
    return client_for("leader")


@pytest.fixture
def anonymous(client_for):
    return client_for(None)
