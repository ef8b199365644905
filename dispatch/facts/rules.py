"""The derived rules, each written once: the API, the pages, the export, the deadline scan read them.

This module imports no domain area, so every area may use it without the areas
importing one another: predicates take plain values, SQL conditions take the
columns they apply to. The pages receive the same rules as data (`for_pages`).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, case, not_, or_

# An incident still being worked (the board's "active").
ACTIVE_INCIDENT = ("reported", "responding", "contained")
# Whatever its status, an incident stays on the board and the wall while it has open tasks that are
ON_BOARD_TASKS = ("overdue", "escalated")
# A settled task no longer holds its incident open (nor its unit's queue).
SETTLED = ("done", "cancelled")
# Past its deadline a task is overdue unless it is handed in or finished; a returned task
# still waits on someone (command, to reroute it) and so can be overdue.
NEVER_OVERDUE = ("submitted", "done", "cancelled")
# A unit's queue: most urgent first.
PRIORITY_RANK = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
URGENCY = ("overdue", "open", "priority", "due_at", "id")


def due_soon_window() -> timedelta:
    return timedelta(minutes=current_app.config["TASK_DUE_SOON_MINUTES"])


def escalate_after() -> int:
    return current_app.config["SUPERVISION_ESCALATE_AFTER"]


# --- on values --------------------------------------------------------------

def is_open(status: str) -> bool:
    return status not in SETTLED


def is_overdue(status: str, due_at: datetime | None, now: datetime) -> bool:
    return status not in NEVER_OVERDUE and due_at is not None and due_at < now


def is_due_soon(status: str, due_at: datetime | None, now: datetime) -> bool:
    return status not in NEVER_OVERDUE and due_at is not None and now <= due_at < now + due_soon_window()


def is_escalated(supervision_count: int) -> bool:
    return (supervision_count or 0) >= escalate_after()


def ack_limit() -> timedelta:
    return timedelta(minutes=current_app.config["INSTRUCTION_ACK_OVERDUE_MINUTES"])


def ack_overdue(issued_at: datetime, now: datetime) -> bool:
    """An instruction some unit has kept waiting past the limit (when anyone still has to acknowledge)."""
    return now - issued_at >= ack_limit()


def urgency_key(status: str, priority: str, due_at: datetime, task_id: int, now: datetime) -> tuple:
    """Overdue first, open before settled, then by priority, then the nearest deadline."""
    return (0 if is_overdue(status, due_at, now) else 1, 0 if is_open(status) else 1,
            PRIORITY_RANK.get(priority, len(PRIORITY_RANK)), due_at, task_id)


def overdue_at(status: str, due_at: datetime | None) -> datetime | None:
    """The moment the task becomes overdue in its current state (None: it never will): overdue once it has
    passed, so a screen's one clock function decides time passing without restating the rule."""
    return None if status in NEVER_OVERDUE or due_at is None else due_at


def due_soon_at(status: str, due_at: datetime | None) -> datetime | None:
    """The moment the task becomes due soon (until it becomes overdue); None when it never will."""
    return None if status in NEVER_OVERDUE or due_at is None else due_at - due_soon_window()


def urgency_rank(status: str, priority: str, due_at: datetime, task_id: int) -> list:
    """The urgency key without its clock part: a screen puts first what its clock finds overdue (by
    `overdue_at`), then compares these element by element (open before settled, priority, deadline, id)."""
    return [0 if is_open(status) else 1, PRIORITY_RANK.get(priority, len(PRIORITY_RANK)),
            int(due_at.timestamp()) if due_at else 0, task_id]


def queue_unit_ids(status: str, unit_id: int, co_unit_ids) -> list[int]:
    """The units whose queue holds the task (in_queue_clause, on values)."""
    if not is_open(status):
        return []
    return ([] if status == "returned" else [unit_id]) + list(co_unit_ids or [])


def working_unit_ids(status: str, unit_id: int, co_unit_ids) -> list[int]:
    """The units working on an open task, leading or co-handling (they may report the headcount)."""
    return [unit_id, *(co_unit_ids or [])] if is_open(status) else []


def involved_unit_ids(status: str, unit_id: int, co_unit_ids) -> list[int]:
    """The units the task involves: every one but a cancelled task's (meetings, a leader's addressees)."""
    return [] if status == "cancelled" else [unit_id, *(co_unit_ids or [])]


def task_facts(status: str, priority: str, due_at: datetime | None, task_id: int, unit_id: int,
               co_unit_ids) -> dict:
    """What a task carries besides its columns, the same at every moment: the moments its clock flags turn,
    the urgency rank, the units whose queue holds it, work on it, or are involved with it."""
    return {"open": is_open(status), "overdue_at": overdue_at(status, due_at), "due_soon_at": due_soon_at(status, due_at),
            "urgency_key": urgency_rank(status, priority, due_at, task_id),
            "queue_unit_ids": queue_unit_ids(status, unit_id, co_unit_ids),
            "working_unit_ids": working_unit_ids(status, unit_id, co_unit_ids),
            "involved_unit_ids": involved_unit_ids(status, unit_id, co_unit_ids)}


def task_flags(status: str, due_at: datetime | None, supervision_count: int, now: datetime) -> dict[str, bool]:
    """What a screen derives from a task's facts at a moment: never stored, always computed."""
    return {"overdue": is_overdue(status, due_at, now), "due_soon": is_due_soon(status, due_at, now),
            "escalated": is_escalated(supervision_count)}


def commitment_kept(task_status: str | None, done_at: datetime | None, due_at: datetime,
                    now: datetime) -> bool | None:
    """A commitment made to the group: kept (True) when its task was verified done by the commitment's time
    limit; not kept (False) when verified late, cancelled, or still open past the limit; None while open
    and still in time."""
    if task_status == "done":
        return done_at is not None and done_at <= due_at
    if task_status == "cancelled":
        return False
    return False if due_at < now else None


def commitment_state(task_status: str | None, kept: bool | None) -> str:
    """kept (on time), late (verified late or still open past its limit), not_kept (cancelled), or open."""
    if kept is None:
        return "open"
    return "kept" if kept else "not_kept" if task_status == "cancelled" else "late"


def hidden_danger_on_board(status: str, risk: str) -> bool:
    """The board's panel: open hidden dangers at high risk."""
    return status == "open" and risk == "high"


def hidden_danger_visitable(status: str) -> bool:
    """A hidden danger may be visited until it erupts (then it is followed on its incident)."""
    return status != "erupted"


def commitment_late_at(task_status: str | None, due_at: datetime) -> datetime | None:
    """When an open commitment turns not kept if nothing changes (None once it is decided)."""
    return None if task_status in SETTLED else due_at


# --- as SQL, on the columns given ----------------------------------------------

def open_clause(status):
    return status.not_in(SETTLED)


def overdue_clause(status, due_at, now: datetime):
    return and_(status.not_in(NEVER_OVERDUE), due_at < now)


def due_soon_clause(status, due_at, now: datetime):
    return and_(status.not_in(NEVER_OVERDUE), due_at >= now, due_at < now + due_soon_window())


def escalated_clause(supervision_count):
    return supervision_count >= escalate_after()


def urgency_order(status, priority, due_at, task_id, now: datetime) -> tuple:
    return (case((overdue_clause(status, due_at, now), 0), else_=1), case((open_clause(status), 0), else_=1),
            case(PRIORITY_RANK, value=priority, else_=len(PRIORITY_RANK)), due_at, task_id)


def in_queue_clause(unit_id: int, status, lead_unit, co_handled):
    """A unit's open work, leading or co-handling; a task it returned leaves its queue until rerouted."""
    return and_(or_(lead_unit == unit_id, co_handled), open_clause(status),
                not_(and_(status == "returned", lead_unit == unit_id)))


def for_pages() -> dict:
    """The same rules as data for the scripts, so a page never restates one."""
    return {
        "active_incident": list(ACTIVE_INCIDENT), "on_board": {"statuses": list(ACTIVE_INCIDENT),
                                                               "or_open_tasks": list(ON_BOARD_TASKS)}, "settled": list(SETTLED), "never_overdue": list(NEVER_OVERDUE),
        "priority_rank": PRIORITY_RANK, "urgency": list(URGENCY),
        "due_soon_minutes": current_app.config["TASK_DUE_SOON_MINUTES"], "escalate_after": escalate_after(),
        "instruction_ack_minutes": current_app.config["INSTRUCTION_ACK_OVERDUE_MINUTES"],
    }
