"""The one log: every change appends an Event in the transaction that makes it.

`unit_of_work()` is the only way to write. It numbers the transaction's events
from a one-row counter as the last statement before COMMIT, so `seq` has no
gaps (a rollback undoes the increment) and follows commit order (the counter's
row lock serialises the writers' final step). After the commit it sends
`events_committed`, which `realtime/` turns into the live push; nothing in the
domain emits.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterator

from blinker import Namespace
from sqlalchemy import JSON, ForeignKey, Integer, String, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import Base, UTCDateTime, db, utcnow
from .board.event_data import facts, presented
from .schemas import shown_time

# On PostgreSQL the committing transaction notifies every process's log follower (realtime/).
NOTIFY_CHANNEL = "dispatch_events"

signals = Namespace()
events_committed = signals.signal("events-committed")


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

    def to_dict(self) -> dict[str, Any]:
        """The one form of an event, for the API, the timeline and the live push."""
        return {
            "seq": self.seq,
            "type": self.type,
            "at": shown_time(self.at),
            "incident_id": self.incident_id,
            "task_id": self.task_id,
            "unit_id": self.unit_id,
            "actor": (
                {"id": self.actor_id, "name": self.actor_name, "role": self.actor_role}
                if self.actor_name is not None
                else None
            ),
            "data": presented(self.data),
        }


class EventCounter(Base):
    __tablename__ = "event_counter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


@dataclass
class UnitOfWork:
    session: Session
    pending: list[Event] = field(default_factory=list)

    def append_event(self, type: str, *, actor=None, incident=None, task=None,
                     unit_id: int | None = None, data: dict | None = None) -> Event:
        """Record what happened; numbered and written at commit with the change itself."""
        if any(obj is not None and not isinstance(obj, int) and obj.id is None for obj in (incident, task)):
            self.session.flush()  # a row created in this transaction gets its id
        event = Event(
            type=type,
            at=utcnow(),
            incident_id=getattr(incident, "id", incident),
            task_id=getattr(task, "id", task),
            unit_id=unit_id,
            actor_id=getattr(actor, "id", None),
            actor_name=getattr(actor, "display_name", None),
            actor_role=getattr(actor, "role", None),
            data=facts(data),
        )
        self.pending.append(event)
        return event

    def _number_and_write(self) -> None:
        if not self.pending:
            return
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
        for offset, event in enumerate(self.pending):
            event.seq = first + offset
        self.session.add_all(self.pending)
        self.session.flush()
        if self.session.get_bind().dialect.name == "postgresql":
            # delivered at COMMIT, to every listening process, and never for a rollback
            self.session.execute(select(func.pg_notify(NOTIFY_CHANNEL, str(last))))


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


def events_after(after: int, limit: int | None = None, incident_id: int | None = None, *,
                 session: Session | None = None) -> list[Event]:
    query = select(Event).where(Event.seq > after).order_by(Event.seq)
    if incident_id is not None:
        query = query.where(Event.incident_id == incident_id)
    if limit is not None:
        query = query.limit(limit)
    return list((session or db.session).scalars(query))
