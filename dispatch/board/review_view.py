"""An after-action review as its page shows it: the incident's facts, the key times and each improvement with its
unit and its task's state now (the read side: reviews, incidents, tasks and units)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..auth.models import Unit, User
from ..db import db, utcnow
from ..incidents.models import Incident
from ..reviews import service as reviews
from ..reviews.models import Improvement, Review
from ..schemas import shown_time
from ..tasks.models import Task
from ..facts import rules


def review_page(*, actor: User, incident_id: int) -> dict[str, Any]:
    review = reviews.get_review(actor=actor, incident_id=incident_id)
    incident = db.session.get(Incident, incident_id)
    units = {unit.id: unit for unit in db.session.scalars(select(Unit))}
    tasks = {task.id: task for task in db.session.scalars(
        select(Task).where(Task.id.in_([item.task_id for item in review.improvements])))}
    now = utcnow()
    return {
        "review": review,
        "incident": {"id": incident.id, "ref": incident.ref, "title": incident.title, "level": incident.level,
                     "status": incident.status, "location": incident.location},
        "key_times": review.key_times,
        "recorded_at": shown_time(review.recorded_at),
        "recorded_by": db.session.get(User, review.recorded_by_id) if review.recorded_by_id else None,
        "improvements": [{"text": item.text, "unit": units.get(item.unit_id), "due_at": shown_time(item.due_at),
                          "task_id": item.task_id, "status": tasks[item.task_id].status,
                          "overdue": rules.is_overdue(tasks[item.task_id].status, tasks[item.task_id].due_at, now)}
                         for item in review.improvements],
    }


def brief(incident_id: int) -> dict[str, Any] | None:
    """The incident page's line: the review's id and where to read it, or None before it is recorded."""
    review = reviews.find(db.session, incident_id)
    if review is None:
        return None
    return {"id": review.id, "recorded_at": shown_time(review.recorded_at),
            "page_url": f"/incidents/{incident_id}/review", "pdf_url": f"/api/incidents/{incident_id}/review.pdf"}


def counts() -> dict[str, int]:
    """The statistics page's figures: incidents reviewed, and improvements whose task is not settled yet."""
    session = db.session
    reviewed = len(list(session.scalars(select(Review.id))))
    open_improvements = len(list(session.scalars(
        select(Improvement.id).join(Task, Task.id == Improvement.task_id).where(rules.open_clause(Task.status)))))
    return {"reviews": reviewed, "open_improvements": open_improvements}
