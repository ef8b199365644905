"""Meetings with the group's representatives and the commitments made at them.

The incident, its representatives and the commitment's task belong to other
areas: dispatch/coordination.py checks them and hands in what is needed here.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ..auth import permissions
from ..auth.models import User
from ..auth.service import require_units
from ..db import utcnow
from ..errors import found
from ..events import unit_of_work
from .models import Commitment, Meeting, MeetingRepresentative, MeetingUnit
from .schemas import CommitmentSchema, MeetingSchema


def snapshot(meeting: Meeting) -> dict[str, Any]:
    """The dumped meeting (representatives by name only): its event carries it, so a page draws it."""
    return MeetingSchema().dump(meeting)


def commitment_snapshot(commitment: Commitment) -> dict[str, Any]:
    return CommitmentSchema().dump(commitment)


def get(session: Session, meeting_id: int) -> Meeting:
    return found(session.get(Meeting, meeting_id), "meeting")


def find(session: Session, meeting_id: int) -> Meeting | None:
    """The meeting, or None (a reference to it in another request is then invalid, not missing)."""
    return session.get(Meeting, meeting_id)


def record_meeting(*, actor: User, incident_id: int, data: dict[str, Any],
                   representative_names: dict[int, str]) -> Meeting:
    """Command records a meeting held with the representatives: who was there, what was raised and answered.

    `representative_names` are the incident's representatives present (checked by coordination)."""
    permissions.require(actor, "record_meeting")
    unit_ids = list(dict.fromkeys(data.get("unit_ids") or []))
    with unit_of_work() as uow:
        require_units(uow.session, unit_ids)
        meeting = Meeting(
            incident_id=incident_id, held_at=data["held_at"], place=data["place"], raised=data["raised"],
            answered=data.get("answered") or "", recorded_by_id=actor.id, recorded_at=utcnow(),
            attendees=[MeetingRepresentative(representative_id=rep_id, name=name)
                       for rep_id, name in sorted(representative_names.items())],
            units=[MeetingUnit(unit_id=unit_id) for unit_id in sorted(unit_ids)],
        )
        uow.session.add(meeting)
        uow.session.flush()
        uow.append_event("meeting.held", actor=actor, incident=incident_id, data={"meeting": snapshot(meeting)})
    return meeting


def add_commitment(*, actor: User, meeting: Meeting, data: dict[str, Any], task_id: int) -> Commitment:
    """A promise made at the meeting, carried out by the task dispatched for it (by coordination)."""
    permissions.require(actor, "make_commitment")
    with unit_of_work() as uow:
        commitment = Commitment(
            meeting_id=meeting.id, incident_id=meeting.incident_id, text=data["text"], unit_id=data["unit_id"],
            due_at=data["due_at"], task_id=task_id, made_by_id=actor.id, made_at=utcnow())
        uow.session.add(commitment)
        uow.session.flush()
        uow.append_event("commitment.made", actor=actor, incident=meeting.incident_id, task=task_id,
                         unit_id=commitment.unit_id,
                         data={"meeting_id": meeting.id, "commitment": commitment_snapshot(commitment)})
    return commitment
