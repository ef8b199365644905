"""Recording an incident's after-action review; the improvements' tasks are dispatched by dispatch/coordination.py."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..auth import permissions
from ..auth.models import User
from ..db import db, utcnow
from ..errors import Conflict, NotFound
from ..events import Event, unit_of_work
from ..labels import state_name
from ..schemas import shown_time
from .models import REVIEWABLE_STATUSES, Improvement, Review

# each key time: (the event type, the first or the last of them); "resolved" is the last (after a reopening)
KEY_EVENTS = {
    "registered": ("incident.registered", "first"), "first_dispatch": ("task.dispatched", "first"),
    "first_claim": ("task.claimed", "first"), "first_report": ("report.published", "first"),
    "contained": ("incident.contained", "first"), "resolved": ("incident.resolved", "last"),
}


def key_times(session: Session, incident_id: int) -> dict[str, str | None]:
    """When each step happened, read from the incident's log (None when it never did)."""
    types = {event_type for event_type, _which in KEY_EVENTS.values()}
    rows = dict(((event_type, "first"), at) for event_type, at in session.execute(
        select(Event.type, func.min(Event.at)).where(Event.incident_id == incident_id, Event.type.in_(types))
        .group_by(Event.type)))
    rows.update(((event_type, "last"), at) for event_type, at in session.execute(
        select(Event.type, func.max(Event.at)).where(Event.incident_id == incident_id, Event.type.in_(types))
        .group_by(Event.type)))
    return {name: shown_time(rows.get(key)) for name, key in KEY_EVENTS.items()}


def check_reviewable(incident: Any) -> None:
    if incident.status not in REVIEWABLE_STATUSES:
        raise Conflict(_("An incident is reviewed once it is resolved or closed (it is “{status}”).")
                       .format(status=state_name(incident.status)), current_status=incident.status)


def find(session: Session, incident_id: int) -> Review | None:
    return session.scalar(select(Review).where(Review.incident_id == incident_id))


def record_review(*, actor: User, incident: Any, data: dict[str, Any], task_ids: list[int]) -> Review:
    """Command records what the (locked, resolved or closed) incident taught; each improvement already has its task
    (`task_ids`, in order). Every screen hears of it."""
    permissions.require(actor, "record_review")
    check_reviewable(incident)
    with unit_of_work() as uow:
        if find(uow.session, incident.id) is not None:
            raise Conflict(_("This incident already has its after-action review."), current_status=incident.status)
        review = Review(incident_id=incident.id, summary=data["summary"], lessons=data["lessons"],
                        key_times=key_times(uow.session, incident.id), recorded_by_id=actor.id,
                        recorded_by_name=actor.display_name, recorded_at=utcnow(),
                        improvements=[Improvement(text=item["text"], unit_id=item["unit_id"], due_at=item["due_at"],
                                                  task_id=task_id)
                                      for item, task_id in zip(data["improvements"], task_ids)])
        uow.session.add(review)
        uow.session.flush()
        uow.append_event("review.recorded", actor=actor, incident=incident.id, data={
            "review": {"id": review.id, "incident_id": incident.id, "key_times": review.key_times,
                       "improvement_task_ids": task_ids},
            "incident_ref": incident.ref, "incident_title": incident.title})
    return review


def get_review(*, actor: User, incident_id: int) -> Review:
    permissions.require_user(actor)
    review = find(db.session, incident_id)
    if review is None:
        raise NotFound(_("No after-action review of this incident yet."))
    return review

