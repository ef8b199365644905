"""Backups of the default SQLite database: online and consistent, and a restore that never runs under a server.

`backup` copies through SQLite's backup API, so the copy is one consistent
moment of the database even while the server writes. A running server holds a
shared lock on `<database>.lock`; `restore` takes it exclusively, so it refuses
while any server process has the database open. PostgreSQL has its own tools
(`pg_dump`, see docs/operations.md).

Attachments are files kept by their hash beside the database: a backup copies
them to `<backup>.attachments/` after the database (a file is placed before the
row that names it commits, so every file the copy names is there), and a
restore puts back the ones missing.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
from contextlib import closing, contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Iterator

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from config import private_file

from .audit import Verdict, anchored, archive_anchor, verify_chain
from .errors import Conflict, Invalid


def sqlite_path(url: str) -> Path:
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or not parsed.database or parsed.database == ":memory:":
        raise Invalid("Backup and restore are for the SQLite database; use pg_dump for PostgreSQL.")
    return Path(parsed.database)


def _lock_file(database: Path) -> IO:
    lock = database.with_name(database.name + ".lock")
    private_file(lock)
    return open(lock, "r+")


def hold_server_lock(url: str) -> IO | None:
    """Taken by each server process for its lifetime (shared: several may serve one file)."""
    try:
        database = sqlite_path(url)
    except Invalid:
        return None
    handle = _lock_file(database)
    fcntl.flock(handle, fcntl.LOCK_SH)
    return handle


@contextmanager
def _no_server_running(database: Path) -> Iterator[None]:
    with _lock_file(database) as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Conflict("A server is running on this database: stop it before restoring.") from None
        yield


def _copy(source: Path, target: Path) -> None:
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def files_beside(backup_file: Path) -> Path:
    return backup_file.with_name(backup_file.name + ".attachments")


def _private_folder(path: Path) -> None:
    """A folder only the server's user may enter (mkdir's `parents` would leave the upper ones 0755)."""
    for folder in reversed([path, *path.parents]):
        if not folder.exists():
            folder.mkdir(mode=0o700)
    path.chmod(0o700)


def _copy_private(stored: Path, placed: Path) -> None:
    """The file's bytes, readable by the owner only from the moment it exists."""
    descriptor = os.open(placed, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out, open(stored, "rb") as kept:
        shutil.copyfileobj(kept, out)


def _copy_files(source: Path, target: Path) -> int:
    """The stored files (`<2 hex>/<sha256>`) missing from `target`, folders 0700 and files 0600 as the server
    keeps them; files are never changed once stored."""
    copied = 0
    for stored in sorted(source.glob("??/*")) if source.is_dir() else []:
        if stored.name.startswith(".") or not stored.is_file():
            continue  # an upload still being received
        placed = target / stored.parent.name / stored.name
        _private_folder(placed.parent)
        if not placed.exists():
            _copy_private(stored, placed)
            copied += 1
    return copied


def backup(url: str, target: Path, attachments: Path | None = None) -> int:
    """A consistent copy of the live database at `target` (readable by the owner only) and of the attachment
    files beside it; the number of files copied."""
    database = sqlite_path(url)
    if not target.parent.is_dir():
        raise Invalid(f"There is no folder {target.parent}: create it first, or name a file in a folder that exists.")
    if target.exists() or files_beside(target).exists():
        raise Conflict(f"{target} exists already; name a new file.")
    private_file(target)
    _copy(database, target)
    return _copy_files(attachments, files_beside(target)) if attachments else 0


def _chain_of(source: Path, anchors: dict[int, str]) -> Verdict:
    """The backup's own event log checked as `audit verify` checks the live one (against the heads anchored
    while it was live; it may end before the later ones)."""
    engine = create_engine(f"sqlite:///file:{source}?mode=ro&uri=true")
    try:
        with Session(engine) as session:
            return verify_chain(anchors, session=session, older_copy=True)
    finally:
        engine.dispose()


def restore(url: str, source: Path, attachments: Path | None = None, *, anchor: Path | None = None,
            force: bool = False) -> Verdict:
    """Put a backup back in place of the database; refused while a server runs on it, and refused when the
    backup's event log does not verify unless forced. The anchor file's heads (of the log being replaced) are
    moved aside: the log goes on from the backup's head."""
    database = sqlite_path(url)
    try:
        with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as check:
            healthy = check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            tables = {row[0] for row in check.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError:
        healthy, tables = False, set()
    if not healthy or not {"events", "event_counter", "alembic_version"} <= tables:
        raise Invalid(f"{source} is not a Dispatch backup.")
    verdict = _chain_of(source, anchored(anchor) if anchor else {})
    if not verdict.holds and not force:
        raise Invalid(f"The backup's event log does not verify: broken at seq {verdict.broken_seq}: {verdict.reason}. "
                      "Restore it only if you know why (--force).")
    with _no_server_running(database):
        private_file(database)
        _copy(source, database)
        if attachments:
            _private_folder(attachments)
            _copy_files(files_beside(source), attachments)
        if anchor:
            archive_anchor(anchor, "before-restore-" + datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ"))
    return verdict
