"""Deadlines run without anyone asking: the overdue scan and the loop the server runs it in.

Several server processes may scan one PostgreSQL database at once. Each scan
locks the rows it will mark (`FOR UPDATE SKIP LOCKED`, so scanners never wait
on each other) and only picks rows whose marker differs from the current
deadline, so a task gets exactly one `task.overdue` per deadline. The loop is
handed its sleep function, so this module never imports the green-thread library.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Callable

from flask import Flask
from sqlalchemy import or_, select
from sqlalchemy.exc import SQLAlchemyError

from ..db import db, utcnow
from ..events import unit_of_work
from ..schemas import shown_time
from ..instructions import service as instructions
from .models import NOT_OVERDUE, Task
from .service import snapshot

log = logging.getLogger("dispatch.deadlines")


def scan_overdue(now: datetime | None = None) -> int:
    """Append `task.overdue` once for every task newly past its deadline; how many were marked."""
    now = now or utcnow()
    with unit_of_work() as uow:
        due = uow.session.scalars(
            select(Task)
            .where(Task.status.not_in(NOT_OVERDUE), Task.due_at < now,
                   or_(Task.overdue_notified_for.is_(None), Task.overdue_notified_for != Task.due_at))
            .order_by(Task.id)
            .with_for_update(skip_locked=True)
        ).all()
        for task in due:
            task.overdue_notified_for = task.due_at
            uow.append_event("task.overdue", incident=task.incident_id, task=task, unit_id=task.unit_id,
                             data={"due_at": shown_time(task.due_at), "task": snapshot(task)})
    return len(due)


def scan(now: datetime | None = None) -> dict[str, int]:
    """One pass over every deadline: late tasks and unacknowledged instructions."""
    return {"tasks": scan_overdue(now), "instructions": instructions.flag_overdue_instructions(now)}


def run_deadline_loop(app: Flask, *, sleep: Callable[[float], object]) -> None:
    """Scan every DISPATCH_OVERDUE_SCAN_SECONDS, for as long as the server runs."""
    while True:
        sleep(app.config["DISPATCH_OVERDUE_SCAN_SECONDS"])
        with app.app_context():
            try:
                scan()
            except SQLAlchemyError:
                # the database went away for a moment; the next pass catches up
                log.exception("deadline scan failed")
            finally:
                db.session.remove()
