"""Checking the event log's hash chain (`flask --app wsgi audit verify`).

Each event's `hash` covers its content and the previous event's hash
(`events.chain_hash`), and `seq` runs 1, 2, 3 ... up to the counter with no
gap. So a row changed in the database breaks its own hash, a row removed
leaves a gap (or a counter ahead of the log), and a row slipped in must carry
a hash that only the whole rewritten tail after it would agree with. The last
hash printed by the check is worth noting down outside the database: a log
rewritten from some point on ends with a different one.

So the server notes it down itself: after each commit it appends the new
head, `<seq> <hash>`, as one line to the anchor file (`DISPATCH_AUDIT_ANCHOR`,
outside the database; every process appends its own commits). The check then
also fails when the log ends before an anchored `seq` (its end was cut) or
holds another hash there (the chain was recomputed from some `seq` on).
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import select

from .db import db
from .events import GENESIS, Event, EventCounter, chain_hash, events_committed

BATCH = 1000
log = logging.getLogger(__name__)


def anchor_head(_sender=None, *, events) -> None:
    """Append the committed head to the anchor file: one short write after the commit, never inside it."""
    head = events[-1]
    path = Path(current_app.config["AUDIT_ANCHOR"])
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, f"{head.seq} {head.hash}\n".encode())  # one line, one write: appends never mix
        finally:
            os.close(descriptor)
    except OSError as error:  # the change is committed: say so, the next commit anchors a later head
        log.warning("could not anchor the log's head at seq %s in %s: %s", head.seq, path, error)


def anchored(path: Path) -> dict[int, str]:
    """The heads noted in the anchor file, by seq (none when there is no file yet)."""
    heads: dict[int, str] = {}
    if not path.exists():
        return heads
    with open(path, encoding="ascii", errors="replace") as lines:
        for line in lines:
            seq, _, digest = line.strip().partition(" ")
            if seq.isdigit() and len(digest) == 64:
                heads[int(seq)] = digest
    return heads


def archive_anchor(path: Path, suffix: str) -> Path | None:
    """Move the anchor file aside (a restore starts the log's record again from the backup's head)."""
    if not path.exists():
        return None
    kept = path.with_name(f"{path.name}.{suffix}")
    os.replace(path, kept)
    return kept


def init_app(app: Flask) -> None:
    events_committed.connect(anchor_head)


@dataclass(frozen=True)
class Verdict:
    verified: int  # events whose hash held, from seq 1 on
    broken_seq: int | None = None
    reason: str | None = None
    head: str = GENESIS  # the hash of the last event verified

    @property
    def holds(self) -> bool:
        return self.broken_seq is None


def verify_chain(anchors: dict[int, str] | None = None, *, session=None, older_copy: bool = False) -> Verdict:
    """Recompute the chain from the first event; stop at the first seq that does not hold, that differs from
    its anchored head, or that was anchored but is no longer in the log (unless this is an `older_copy`, a
    backup, which may end before the heads anchored since it was taken)."""
    anchors = anchors or {}
    session = session or db.session
    previous, expected = GENESIS, 1
    while True:
        batch = list(session.scalars(select(Event).where(Event.seq >= expected).order_by(Event.seq).limit(BATCH)))
        for event in batch:
            if event.seq != expected:
                return Verdict(expected - 1, expected, "missing: the event was removed", previous)
            if event.hash != chain_hash(previous, event.chained_fields()):
                return Verdict(expected - 1, expected, "its hash does not match its content and the event before it",
                               previous)
            if anchors.get(event.seq, event.hash) != event.hash:
                return Verdict(expected - 1, expected, "its hash differs from the head anchored outside the database "
                               f"({anchors[event.seq][:12]}): the log was rewritten from here or before", previous)
            previous, expected = event.hash, expected + 1
        session.expunge_all()  # a long log is read in batches, never held whole
        if len(batch) < BATCH:
            break
    counted = session.scalar(select(EventCounter.last_seq).where(EventCounter.id == 1)) or 0
    session.rollback()
    if counted > expected - 1:
        return Verdict(expected - 1, expected, "missing: the log ends before the counter", previous)
    if counted < expected - 1:
        return Verdict(counted, counted + 1, "past the counter: the event was inserted", previous)
    beyond = [seq for seq in anchors if seq > expected - 1 and not older_copy]
    if beyond:
        return Verdict(expected - 1, min(beyond), f"missing: the log ends at seq {expected - 1}, but the head at "
                       f"seq {max(beyond)} was anchored outside the database", previous)
    return Verdict(expected - 1, head=previous)
