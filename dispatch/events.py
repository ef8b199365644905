"""The one log: every change appends an Event in the transaction that makes it.

`unit_of_work()` is the only way to write. It numbers the transaction's events
from a one-row counter as the last statement before COMMIT, so `seq` has no
gaps (a rollback undoes the increment) and follows commit order (the counter's
row lock serialises the writers' final step). After the commit it sends
`events_committed`, which `realtime/` turns into the live push; nothing in the
domain emits.
"""
from __future__ import annotations

import hashlib
import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterator
from zoneinfo import ZoneInfo

from blinker import Namespace
from flask import g, has_request_context
from sqlalchemy import JSON, ForeignKey, Integer, String, event as orm_event, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import Base, UTCDateTime, db, utcnow
from .facts import event_types
from .facts.event_data import facts, presented
from .schemas import display_zone, shown_time

# On PostgreSQL the committing transaction notifies every process's log follower (realtime/).
NOTIFY_CHANNEL = "dispatch_events"

signals = Namespace()
events_committed = signals.signal("events-committed")
# the `hash` the first event chains from
GENESIS = "0" * 64
CHAINED_FIELDS = ("seq", "type", "at", "incident_id", "task_id", "unit_id", "actor_id", "actor_name",
                  "actor_role", "data")


def chain_hash(previous: str, row: dict[str, Any]) -> str:
    """SHA-256 of the previous event's hash and this event's content in one canonical form.

    `row` holds CHAINED_FIELDS as the database gives them back (`at` an aware
    datetime, `data` parsed JSON), so the hash computed at commit is the one
    `flask audit verify` recomputes from the stored row.
    """
    content = {name: row[name] for name in CHAINED_FIELDS}
    content["at"] = row["at"].astimezone(timezone.utc).isoformat(timespec="microseconds")
    content["data"] = json.loads(json.dumps(row["data"] or {}))  # as stored: keys are strings
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{previous}\n{canonical}".encode()).hexdigest()


class Event(Base):
    __tablename__ = "events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    incident_id: Mapped[int | None] = mapped_column(Integer, index=True)
    task_id: Mapped[int | None] = mapped_column(Integer, index=True)
    unit_id: Mapped[int | None] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # A snapshot, so the log reads the same after a user is renamed or removed.
    actor_name: Mapped[str | None] = mapped_column(String(200))
    actor_role: Mapped[str | None] = mapped_column(String(20))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    # chain_hash(the previous event's hash, this event): a row changed, removed or slipped
    # in outside the application breaks the chain from there on (dispatch/audit.py)
    hash: Mapped[str] = mapped_column(String(64))

    def chained_fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in CHAINED_FIELDS}

    def to_dict(self) -> dict[str, Any]:
        """The one form of an event, for the API, the timeline and the live push."""
        return shown(self, utcnow(), display_zone())


class EventCounter(Base):
    __tablename__ = "event_counter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


# Read models kept in step with the log: each is called with the session and a transaction's events
# (typed, timed, not yet numbered) just before they are numbered, so it commits or rolls back with them
# and never disagrees with the log. An area registers its own with `keep_in_step`; this module knows
# nothing of what they hold.
PROJECTIONS: list[Callable[[Session, list["Event"]], None]] = []


def keep_in_step(projection: Callable[[Session, list["Event"]], None]):
    """Register a read model to update from every transaction's events, in that transaction."""
    if projection not in PROJECTIONS:
        PROJECTIONS.append(projection)
    return projection


@dataclass
class UnitOfWork:
    session: Session
    pending: list[Event] = field(default_factory=list)

    def append_event(self, type: str, *, actor=None, incident=None, task=None,
                     unit_id: int | None = None, data: dict | None = None) -> Event:
        """Record what happened; numbered and written at commit with the change itself.

        A type not in the catalogue, or a `data` field not declared for it, is refused (UnknownEvent)
        before anything is appended."""
        event_types.check(type, data)
        if any(obj is not None and not isinstance(obj, int) and obj.id is None for obj in (incident, task)):
            self.session.flush()  # a row created in this transaction gets its id
        who = {"id": getattr(actor, "id", None), "name": getattr(actor, "display_name", None),
               "role": getattr(actor, "role", None)}
        if (acting := _acting_for(actor)) is not None:
            # the administrator through a token issued for someone else: named, acting for that person
            who, data = acting, {**(data or {}), "on_behalf_of": who}
        event = Event(
            type=type,
            at=utcnow(),
            incident_id=getattr(incident, "id", incident),
            task_id=getattr(task, "id", task),
            unit_id=unit_id,
            actor_id=who["id"],
            actor_name=who["name"],
            actor_role=who["role"],
            data=facts(data),
        )
        self.pending.append(event)
        return event

    def _number_and_write(self) -> None:
        if not self.pending:
            return
        for projection in PROJECTIONS:
            projection(self.session, self.pending)
        # Flush the change first so the counter's row lock is held only for the
        # last short step before COMMIT.
        self.session.flush()
        last = self.session.execute(
            update(EventCounter)
            .where(EventCounter.id == 1)
            .values(last_seq=EventCounter.last_seq + len(self.pending))
            .returning(EventCounter.last_seq)
        ).scalar_one()
        first = last - len(self.pending) + 1
        # The counter's row lock is held: the event before `first` is committed and no
        # other writer can chain from it now.
        previous = self.session.scalar(select(Event.hash).where(Event.seq == first - 1)) or GENESIS
        for offset, event in enumerate(self.pending):
            event.seq = first + offset
            event.hash = previous = chain_hash(previous, event.chained_fields())
        self.session.add_all(self.pending)
        self.session.flush()
        if self.session.get_bind().dialect.name == "postgresql":
            # delivered at COMMIT, to every listening process, and never for a rollback
            self.session.execute(select(func.pg_notify(NOTIFY_CHANNEL, str(last))))


def _acting_for(actor) -> dict | None:
    """Who really acts when the request's token was issued to `actor` by someone else (auth/current.py)."""
    if actor is None or not has_request_context() or g.get("actor_id") != getattr(actor, "id", None):
        return None
    return g.get("acting_for")


@orm_event.listens_for(Session, "before_flush")
def _append_only(session: Session, _context, _instances) -> None:
    """The application never changes or removes an event: the log is the record."""
    if any(isinstance(obj, Event) for obj in session.deleted) or any(
            isinstance(obj, Event) and session.is_modified(obj) for obj in session.dirty):
        raise RuntimeError("events are append-only")


@orm_event.listens_for(Session, "do_orm_execute")
def _no_bulk_changes_to_events(state) -> None:
    if (state.is_update or state.is_delete) and state.bind_mapper is not None \
            and state.bind_mapper.class_ is Event:
        raise RuntimeError("events are append-only")


@contextmanager
def unit_of_work() -> Iterator[UnitOfWork]:
    """One transaction: the change, its events, COMMIT, then the live push.

    Inside another unit of work it joins that one: a write that spans areas
    (dispatch/coordination.py) is still one transaction with one COMMIT.
    """
    session = db.session()
    outer = session.info.get("unit_of_work")
    if outer is not None:
        yield outer
        return
    if session.in_transaction():
        # end the request's read transaction so this one can begin as a writer
        session.commit()
    session.connection(execution_options={"dispatch_write": True})
    uow = UnitOfWork(session)
    session.info["unit_of_work"] = uow
    try:
        yield uow
        uow._number_and_write()
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop("unit_of_work", None)
    if uow.pending:
        events_committed.send(None, events=list(uow.pending))


def last_seq(session: Session | None = None) -> int:
    session = session or db.session
    return session.execute(select(EventCounter.last_seq).where(EventCounter.id == 1)).scalar() or 0


def shown(event, now: datetime, zone: ZoneInfo) -> dict[str, Any]:
    """An event (a row or its columns) as every screen receives it, flags as of `now`, times in `zone`."""
    return {
        "seq": event.seq,
        "type": event.type,
        "at": shown_time(event.at, zone),
        "incident_id": event.incident_id,
        "task_id": event.task_id,
        "unit_id": event.unit_id,
        "actor": (
            {"id": event.actor_id, "name": event.actor_name, "role": event.actor_role}
            if event.actor_name is not None
            else None
        ),
        "data": presented(event.data, now, zone),
    }


def shown_events_after(after: int, limit: int, *, upto: int | None = None,
                       session: Session | None = None) -> list[dict[str, Any]]:
    """A page of the log after `after` (up to `upto`) as pushed: read as plain columns, not rows to track,
    with one clock and one zone for the page (catch-up and the live push read thousands at a time)."""
    columns = [getattr(Event, name) for name in CHAINED_FIELDS]  # every column a screen sees
    query = select(*columns).where(Event.seq > after).order_by(Event.seq).limit(limit)
    if upto is not None:
        query = query.where(Event.seq <= upto)
    now, zone = utcnow(), display_zone()
    return [shown(row, now, zone) for row in (session or db.session).execute(query)]


def events_after(after: int, limit: int | None = None, incident_id: int | None = None, *,
                 session: Session | None = None) -> list[Event]:
    query = select(Event).where(Event.seq > after).order_by(Event.seq)
    if incident_id is not None:
        query = query.where(Event.incident_id == incident_id)
    if limit is not None:
        query = query.limit(limit)
    return list((session or db.session).scalars(query))
