"""Engine, the request-scoped session, and the declarative Base.

Writes go through `unit_of_work()` in `dispatch/events.py`, which owns the
transaction and the event log; this module only knows how to connect.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator

from config import private_file

from . import json_codec

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator):
    """Aware datetimes in code, UTC in the database (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Database:
    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.session = scoped_session(sessionmaker(expire_on_commit=False))

    def init_app(self, app) -> None:
        self.engine = make_engine(app.config["DATABASE_URL"])
        self.session.remove()
        self.session.configure(bind=self.engine)
        app.teardown_appcontext(lambda exc: self.session.remove())

    @property
    def is_sqlite(self) -> bool:
        return self.engine is not None and self.engine.dialect.name == "sqlite"


def driver_url(url: str) -> str:
    """PostgreSQL through psycopg2: it cooperates with eventlet's patching (psycopg 3's C build does not)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix):]
    return url


def make_engine(url: str) -> Engine:
    url = driver_url(url)
    if url.startswith("sqlite"):
        _private_database_file(url)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                               json_deserializer=json_codec.loads)
        _sqlite_transactions(engine)
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True, json_deserializer=json_codec.loads)


def _private_database_file(url: str) -> None:
    """SQLite creates its file (and its -wal and -shm beside it, with the same mode) by the
    umask, often readable by all; created here first, it is the owner's only."""
    path = make_url(url).database
    if path and path != ":memory:" and not path.startswith("file:") and Path(path).parent.is_dir():
        private_file(Path(path))


def _sqlite_transactions(engine: Engine) -> None:
    """SQLite: WAL so readers never wait, and writers take the lock at BEGIN.

    pysqlite begins transactions lazily, so a unit of work could read a row and
    only later find another writer got there first; BEGIN IMMEDIATE makes every
    write transaction take the write lock up front (the PostgreSQL path uses
    row locks instead).
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        immediate = conn.get_execution_options().get("dispatch_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


db = Database()
