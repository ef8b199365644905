"""Deadlines run without anyone asking: the overdue scan (run with the others by dispatch/coordination.py).

Several server processes may scan one PostgreSQL database at once. Each scan
locks the rows it will mark (`FOR UPDATE SKIP LOCKED`, so scanners never wait
on each other) and only picks rows whose marker differs from the current
deadline, so a task gets exactly one `task.overdue` per deadline.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select

from ..facts import rules
from ..db import utcnow
from ..events import unit_of_work
from .models import Task
from .service import snapshot


def scan_overdue(now: datetime | None = None) -> int:
    """Append `task.overdue` once for every task newly past its deadline; how many were marked."""
    now = now or utcnow()
    with unit_of_work() as uow:
        due = uow.session.scalars(
            select(Task)
            .where(rules.overdue_clause(Task.status, Task.due_at, now),
                   or_(Task.overdue_notified_for.is_(None), Task.overdue_notified_for != Task.due_at))
            .order_by(Task.id)
            .with_for_update(skip_locked=True)
        ).all()
        for task in due:
            task.overdue_notified_for = task.due_at
            uow.append_event("task.overdue", incident=task.incident_id, task=task, unit_id=task.unit_id,
                             data={"due_at": task.due_at.isoformat(), "task": snapshot(task)})
    return len(due)
