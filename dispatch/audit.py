"""Checking the event log's hash chain (`flask --app wsgi audit verify`).

Each event's `hash` covers its content and the previous event's hash
(`events.chain_hash`), and `seq` runs 1, 2, 3 ... up to the counter with no
gap. So a row changed in the database breaks its own hash, a row removed
leaves a gap (or a counter ahead of the log), and a row slipped in must carry
a hash that only the whole rewritten tail after it would agree with. The last
hash printed by the check is worth noting down outside the database: a log
rewritten from some point on ends with a different one.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from .db import db
from .events import GENESIS, Event, EventCounter, chain_hash

BATCH = 1000


@dataclass(frozen=True)
class Verdict:
    verified: int  # events whose hash held, from seq 1 on
    broken_seq: int | None = None
    reason: str | None = None
    head: str = GENESIS  # the hash of the last event verified

    @property
    def holds(self) -> bool:
        return self.broken_seq is None


def verify_chain() -> Verdict:
    """Recompute the chain from the first event; stop at the first seq that does not hold."""
    previous, expected = GENESIS, 1
    while True:
        batch = list(db.session.scalars(select(Event).where(Event.seq >= expected).order_by(Event.seq).limit(BATCH)))
        for event in batch:
            if event.seq != expected:
                return Verdict(expected - 1, expected, "missing: the event was removed", previous)
            if event.hash != chain_hash(previous, event.chained_fields()):
                return Verdict(expected - 1, expected, "its hash does not match its content and the event before it",
                               previous)
            previous, expected = event.hash, expected + 1
        db.session.expunge_all()  # a long log is read in batches, never held whole
        if len(batch) < BATCH:
            break
    counted = db.session.scalar(select(EventCounter.last_seq).where(EventCounter.id == 1)) or 0
    db.session.rollback()
    if counted > expected - 1:
        return Verdict(expected - 1, expected, "missing: the log ends before the counter", previous)
    if counted < expected - 1:
        return Verdict(counted, counted + 1, "past the counter: the event was inserted", previous)
    return Verdict(expected - 1, head=previous)
