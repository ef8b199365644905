"""The statistics read model kept in step with the log, and rebuilt from it.

`keep_task_handling` runs inside every unit of work (registered with
`events.keep_in_step`): the task events a transaction appends move the
`task_handling` rows in that same transaction. `replay` derives the same rows
from the whole log, for the migration that creates the table and for
`flask --app wsgi statistics rebuild`; both apply one function, `advance`, so
the live rows and a rebuild never differ.

Whether a turn was overdue is decided by the one rule, `rules.is_overdue`:
a task's status and deadline change only at its events, so it was past its
deadline while not handed in at some moment exactly when the rule holds for
the state before an event at that event's time (or, for the open turn, now:
read at query time by `rules.overdue_clause`).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import JSON, Integer, String, column, delete, insert, or_, select, table
from sqlalchemy.orm import Session

from ..facts import rules
from ..db import UTCDateTime
from .. import events as log
from .models import TaskHandling

# The log's columns the read model needs, named here so the migration can read them too.
EVENTS = table("events", column("seq", Integer), column("type", String), column("at", UTCDateTime()),
               column("task_id", Integer), column("incident_id", Integer), column("unit_id", Integer),
               column("data", JSON))
TASK_EVENT_PREFIXES = ("task.", "supervision.")


def _counts(event) -> bool:
    return event.task_id is not None and event.type.startswith(TASK_EVENT_PREFIXES)


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _snapshot(event) -> tuple[str | None, datetime | None]:
    task = (event.data or {}).get("task") or {}
    return task.get("status"), _time(task.get("due_at"))


def _turn(event, status: str | None, due_at: datetime | None) -> TaskHandling:
    return TaskHandling(task_id=event.task_id, incident_id=event.incident_id, unit_id=event.unit_id,
                        received_at=event.at, status=status or "dispatched", due_at=due_at, overdue=False,
                        returns=0, supervision_notices=0, escalations=0)


def advance(current: TaskHandling | None, event) -> TaskHandling | None:
    """Apply one task event to the task's current turn (changed in place); a turn it opens, if any.

    `task.dispatched` opens the first turn and `task.rerouted` closes the current one and opens the
    routed-to unit's; the first `task.claimed` and `task.submitted` of a turn time it; `task.returned`,
    `supervision.issued` and `supervision.escalated` are counted for the turn they happen in.
    """
    status, due_at = _snapshot(event)
    if current is None or event.type == "task.dispatched":
        opens = event.unit_id is not None and event.incident_id is not None
        return _turn(event, status, due_at) if opens else None
    if rules.is_overdue(current.status, current.due_at, event.at):
        current.overdue = True
    if event.type == "task.rerouted" and event.unit_id is not None:
        current.ended_at = event.at
        return _turn(event, status, due_at)
    seconds = int((event.at - current.received_at).total_seconds())
    if event.type == "task.claimed" and current.claimed_at is None:
        current.claimed_at, current.claim_seconds = event.at, seconds
    elif event.type == "task.submitted" and current.submitted_at is None:
        current.submitted_at, current.submit_seconds = event.at, seconds
    elif event.type == "task.returned":
        current.returns += 1
    elif event.type == "supervision.issued":
        current.supervision_notices += 1
    elif event.type == "supervision.escalated":
        current.escalations += 1
    if status is not None:
        current.status, current.due_at = status, due_at
    return None


def keep_task_handling(session: Session, events: list) -> None:
    """The transaction's task events move their tasks' current turns (run before the events are numbered)."""
    for event in events:
        if not _counts(event):
            continue
        current = session.scalar(select(TaskHandling)
                                 .where(TaskHandling.task_id == event.task_id, TaskHandling.ended_at.is_(None))
                                 .order_by(TaskHandling.id.desc()).limit(1))
        opened = advance(current, event)
        if opened is not None:
            session.add(opened)  # the next event's query flushes it


log.keep_in_step(keep_task_handling)

COLUMNS = ("task_id", "incident_id", "unit_id", "received_at", "claimed_at", "claim_seconds", "submitted_at",
           "submit_seconds", "status", "due_at", "ended_at", "overdue", "returns", "supervision_notices",
           "escalations")


def replay(events: Iterable) -> list[dict[str, Any]]:
    """Every turn, as rows to insert, from the log's task events in `seq` order."""
    current: dict[int, TaskHandling] = {}
    finished: list[TaskHandling] = []
    for event in events:
        if not _counts(event):
            continue
        turn = current.get(event.task_id)
        opened = advance(turn, event)
        if opened is not None:
            if turn is not None:
                finished.append(turn)
            current[event.task_id] = opened
    return [{name: getattr(turn, name) for name in COLUMNS} for turn in finished + list(current.values())]


def task_events(connection):
    """The log's task events in `seq` order, streamed (a Session or a Connection)."""
    query = (select(EVENTS.c.type, EVENTS.c.at, EVENTS.c.task_id, EVENTS.c.incident_id, EVENTS.c.unit_id,
                    EVENTS.c.data)
             .where(EVENTS.c.task_id.is_not(None), or_(*(EVENTS.c.type.like(f"{p}%") for p in TASK_EVENT_PREFIXES)))
             .order_by(EVENTS.c.seq))
    return connection.execute(query.execution_options(yield_per=5000))


def rebuild(connection, batch: int = 5000) -> int:
    """Empty `task_handling` and derive it again from the whole log; how many turns it holds."""
    rows = replay(task_events(connection))
    connection.execute(delete(TaskHandling.__table__))
    for start in range(0, len(rows), batch):
        connection.execute(insert(TaskHandling.__table__), rows[start:start + batch])
    return len(rows)
