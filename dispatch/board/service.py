"""The read side: views that combine areas, built on the rules of `dispatch/facts/rules.py`.

An incident with its tasks, representatives and instructions; the board's and
the wall's rows; a unit's queue; the export. The API, the pages and the export
all read from here, so a figure is computed one way everywhere.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, or_, select, true
from sqlalchemy.orm import selectinload

from .. import personal_data
from ..attachments import service as attachments
from ..attachments.models import Attachment
from ..attachments.schemas import AttachmentSchema
from ..auth import permissions
from ..auth.models import Unit, User
from ..db import db, utcnow
from ..errors import Forbidden, found
from ..schemas import shown_time
from ..incidents import service as incidents
from ..incidents.models import Incident
from ..incidents.schemas import IncidentSchema
from ..instructions import service as instructions
from ..events import Event
from ..instructions.models import Instruction, InstructionAddressee
from ..meetings.models import Commitment, Meeting
from ..meetings.schemas import CommitmentSchema, MeetingSchema
from ..representatives import service as representatives
from ..representatives.models import Representative
from ..tasks.models import Task, TaskCoUnit
from ..tasks.schemas import TaskSchema
from ..facts import rules


@dataclass
class IncidentView:
    """An incident as a screen shows it: its own fields, what is still open on it, and (in full) its parts."""

    incident: Incident
    open_tasks: int = 0
    overdue_tasks: int = 0
    escalated_tasks: int = 0
    unacknowledged_instructions: int = 0
    representatives: list[dict] = field(default_factory=list)
    tasks: list[dict] = field(default_factory=list)
    instructions: list[dict] = field(default_factory=list)
    attachments: list[dict] = field(default_factory=list)
    meetings: list[dict] = field(default_factory=list)
    commitments: list[dict] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:  # the incident's own fields, for the output schemas
        return getattr(self.incident, name)


def _co_handled_by(unit_id: int):
    return Task.id.in_(select(TaskCoUnit.task_id).where(TaskCoUnit.unit_id == unit_id))


def task_counts(incident_ids: list[int]) -> dict[int, dict[str, int]]:
    """Each incident's open, overdue and escalated tasks, in one query (the rules of rules.py)."""
    counts = {incident_id: {"open": 0, "overdue": 0, "escalated": 0} for incident_id in incident_ids}
    if not incident_ids:
        return counts
    open_ = rules.open_clause(Task.status)
    rows = db.session.execute(
        select(Task.incident_id, func.count().filter(open_),
               func.count().filter(rules.overdue_clause(Task.status, Task.due_at, utcnow())),
               func.count().filter(open_ & rules.escalated_clause(Task.supervision_count)))
        .where(Task.incident_id.in_(incident_ids)).group_by(Task.incident_id))
    for incident_id, open_count, overdue_count, escalated_count in rows:
        counts[incident_id] = {"open": open_count, "overdue": overdue_count, "escalated": escalated_count}
    return counts


def with_counts(incidents: list[Incident]) -> list[IncidentView]:
    ids = [incident.id for incident in incidents]
    counts, unacknowledged = task_counts(ids), instructions.unacknowledged_counts(ids)
    return [IncidentView(incident, open_tasks=counts[incident.id]["open"],
                         overdue_tasks=counts[incident.id]["overdue"],
                         escalated_tasks=counts[incident.id]["escalated"],
                         unacknowledged_instructions=unacknowledged[incident.id]) for incident in incidents]


def _needs_attention():
    """Incidents with open tasks that are overdue or escalated (rules.ON_BOARD_TASKS): in sight whatever
    their status."""
    now = utcnow()
    clauses = {"overdue": rules.overdue_clause(Task.status, Task.due_at, now),
               "escalated": rules.escalated_clause(Task.supervision_count)}
    late = select(Task.incident_id).where(
        rules.open_clause(Task.status), or_(*(clauses[name] for name in rules.ON_BOARD_TASKS)))
    return Incident.id.in_(late)


def _like(text: str) -> str:
    """A search text as a LIKE pattern that matches it literally (`%` and `_` are not wildcards)."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _incident_query(filters: dict[str, Any]):
    query = select(Incident)
    status = filters.get("status")
    if status == "active":
        query = query.where(Incident.status.in_(rules.ACTIVE_INCIDENT))
    elif status == "on_board":
        query = query.where(or_(Incident.status.in_(rules.ACTIVE_INCIDENT), _needs_attention()))
    elif status:
        query = query.where(Incident.status == status)
    for name in ("level", "category", "kind"):
        if filters.get(name):
            query = query.where(getattr(Incident, name) == filters[name])
    if filters.get("q"):
        like = _like(filters["q"])
        query = query.where(or_(*(func.lower(column).like(like, escape="\\") for column in
                                  (Incident.ref, Incident.title, Incident.location, Incident.demands))))
    if filters.get("unit_id"):
        # the unit leads or co-handles a task there
        unit_id = filters["unit_id"]
        query = query.where(Incident.id.in_(
            select(Task.incident_id).where(or_(Task.unit_id == unit_id, _co_handled_by(unit_id)))))
    if "repeat" in filters:
        query = query.where(Incident.repeat_of_id.is_not(None) if filters["repeat"] else Incident.repeat_of_id.is_(None))
    return query


def list_incidents(*, actor: User, filters: dict[str, Any]) -> tuple[list[IncidentView], int]:
    """The register, newest first, each with what is still open on it."""
    permissions.require_user(actor)
    query = _incident_query(filters)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(
        query.options(selectinload(Incident.headcount_history))
        .order_by(Incident.id.desc()).limit(filters["limit"]).offset(filters["offset"])).all()
    return with_counts(list(items)), total


def _incident(incident_id: int) -> Incident:
    return found(db.session.scalar(select(Incident).where(Incident.id == incident_id)
                                   .options(selectinload(Incident.headcount_history))), "incident")


def incident_detail(*, actor: User, incident_id: int) -> IncidentView:
    """One incident with its representatives (masked), its tasks and its instructions."""
    permissions.require_user(actor)
    (view,) = with_counts([_incident(incident_id)])
    view.representatives = representatives.dump_for_incident(actor=actor, incident_id=incident_id,
                                                             incidents=incidents)
    view.tasks = TaskSchema(many=True).dump(
        db.session.scalars(select(Task).where(Task.incident_id == incident_id).order_by(Task.id)))
    view.instructions = instructions.dump_for_incident(actor=actor, incident_id=incident_id)
    view.attachments = AttachmentSchema(many=True).dump(_attachments_of(actor, incident_id))
    view.meetings = meetings_for_incident(incident_id)
    view.commitments = commitments_for_incident(incident_id)
    return view


def registered_detail(*, actor: User, incident: Incident) -> IncidentView:
    """A registration's answer: the incident as its transaction wrote it. Nothing hangs off an incident before
    its registration commits (no task, representative, instruction, attachment, meeting or commitment can name
    it), so the detail is read from nothing: the eight reads of `incident_detail` were a third of a
    registration's time on the loop every live screen shares."""
    permissions.require_user(actor)
    return IncidentView(incident)


# --- attachments: a task's evidence is for command, leaders and the task's units ---------

def _attachments_seen_by(actor: User):
    """The incident's own attachments are for every user; a task's evidence for command and leaders, the
    units that lead or co-handle the task, and whoever attached it."""
    if permissions.may(actor, "read_task_evidence"):
        return true()
    clauses = [Attachment.task_id.is_(None), Attachment.uploaded_by_id == actor.id]
    if actor.unit_id is not None:
        clauses.append(Attachment.task_id.in_(
            select(Task.id).where(or_(Task.unit_id == actor.unit_id, _co_handled_by(actor.unit_id)))))
    return or_(*clauses)


def incident_attachments(*, actor: User, incident_id: int) -> list[Attachment]:
    """The incident's attachments the viewer may see, oldest first."""
    permissions.require_user(actor)
    _incident(incident_id)
    return _attachments_of(actor, incident_id)


def _attachments_of(actor: User, incident_id: int) -> list[Attachment]:
    return list(db.session.scalars(
        select(Attachment).where(Attachment.incident_id == incident_id, _attachments_seen_by(actor))
        .order_by(Attachment.id)))


def attachment_for_download(*, actor: User, attachment_id: int) -> Attachment:
    """One attachment, if the viewer may see it (403 for another unit's task evidence)."""
    permissions.require_user(actor)
    attachment = attachments.get(db.session, attachment_id)
    if db.session.scalar(select(Attachment.id).where(Attachment.id == attachment_id,
                                                     _attachments_seen_by(actor))) is None:
        raise Forbidden(_("This is evidence on another unit's task: only command, leaders and the task's units "
                          "may open it."))
    return attachment


# --- meetings with representatives and the commitments made there ------------------

def _done_at(task_ids: list[int]) -> dict[int, Any]:
    """When each finished task was verified done (its last `task.verified`, from the log)."""
    if not task_ids:
        return {}
    return dict(db.session.execute(
        select(Event.task_id, func.max(Event.at))
        .where(Event.type == "task.verified", Event.task_id.in_(task_ids)).group_by(Event.task_id)).all())


def _commitments(query) -> list[dict]:
    """Commitments dumped, each with its task's state and whether it was kept on time (rules.commitment_kept)."""
    rows = db.session.execute(query.add_columns(Task.status).join(Task, Task.id == Commitment.task_id)
                              .order_by(Commitment.id)).all()
    done = _done_at([commitment.task_id for commitment, _status in rows])
    now = utcnow()
    result = []
    for commitment, status in rows:
        done_at = done.get(commitment.task_id) if status == "done" else None
        kept = rules.commitment_kept(status, done_at, commitment.due_at, now)
        result.append({**CommitmentSchema().dump(commitment), "task_status": status,
                       "done_at": shown_time(done_at), "kept": kept,
                       "overdue": rules.is_overdue(status, commitment.due_at, now),
                       "overdue_at": shown_time(rules.overdue_at(status, commitment.due_at)),
                       "due_soon_at": shown_time(rules.due_soon_at(status, commitment.due_at)),
                       "late_at": shown_time(rules.commitment_late_at(status, commitment.due_at)),
                       "kept_state": rules.commitment_state(status, kept)})
    return result


def commitments_for_incident(incident_id: int) -> list[dict]:
    """Every commitment made to the group on the incident (for the detail and the situation reports)."""
    return _commitments(select(Commitment).where(Commitment.incident_id == incident_id))


def meetings_for_incident(incident_id: int) -> list[dict]:
    """The incident's meetings, oldest first: representatives by name only, units by id."""
    return MeetingSchema(many=True).dump(db.session.scalars(
        select(Meeting).where(Meeting.incident_id == incident_id).order_by(Meeting.held_at, Meeting.id)))


def meetings_of(*, actor: User, incident_id: int) -> list[dict]:
    """GET /api/incidents/<id>/meetings: each meeting with its commitments."""
    permissions.require_user(actor)
    _incident(incident_id)
    commitments = commitments_for_incident(incident_id)
    return [{**meeting, "commitments": [c for c in commitments if c["meeting_id"] == meeting["id"]]}
            for meeting in meetings_for_incident(incident_id)]


def meeting_detail(*, actor: User, meeting_id: int) -> dict:
    permissions.require_user(actor)
    meeting = found(db.session.get(Meeting, meeting_id), "meeting")
    return {**MeetingSchema().dump(meeting),
            "commitments": _commitments(select(Commitment).where(Commitment.meeting_id == meeting_id))}


def commitment_detail(*, commitment_id: int) -> dict:
    (commitment,) = _commitments(select(Commitment).where(Commitment.id == commitment_id))
    return commitment


# --- what the pages start from ---------------------------------------------------

def board(*, actor: User) -> dict[str, list]:
    """The board and the wall: active incidents and those with late or escalated work, their open tasks
    and their instructions."""
    permissions.require_user(actor)
    shown = _incident_query({"status": "on_board"})
    ids = shown.with_only_columns(Incident.id)
    return {
        "incidents": list(db.session.scalars(shown.order_by(Incident.id))),
        "tasks": list(db.session.scalars(
            select(Task).where(Task.incident_id.in_(ids), rules.open_clause(Task.status)).order_by(Task.id))),
        "instructions": list(db.session.scalars(
            select(Instruction).where(Instruction.incident_id.in_(ids)).order_by(Instruction.id))),
    }


def queue(*, actor: User, unit_id: int) -> dict[str, list]:
    """One unit's open work, most urgent first; the incidents it belongs to; the unit's instructions."""
    permissions.require_user(actor)
    tasks = list(db.session.scalars(
        select(Task).where(rules.in_queue_clause(unit_id, Task.status, Task.unit_id, _co_handled_by(unit_id)))
        .order_by(*rules.urgency_order(Task.status, Task.priority, Task.due_at, Task.id, utcnow()))))
    addressed = select(InstructionAddressee.instruction_id).where(InstructionAddressee.unit_id == unit_id)
    orders = list(db.session.scalars(
        select(Instruction).where(Instruction.id.in_(addressed)).order_by(Instruction.id.desc()).limit(50)))
    incident_ids = {t.incident_id for t in tasks} | {i.incident_id for i in orders}
    return {"tasks": tasks, "instructions": orders,
            "incidents": list(db.session.scalars(select(Incident).where(Incident.id.in_(incident_ids))))}


# --- the export ----------------------------------------------------------------

EXPORT_LIMIT = 5000


def export_rows(*, actor: User, filters: dict[str, Any]) -> dict[str, list[dict]]:
    """The register as rows for a workbook: incidents with their counts, representatives masked, tasks."""
    permissions.require(actor, "export_register")
    views, _total = list_incidents(actor=actor, filters={**filters, "limit": EXPORT_LIMIT, "offset": 0})
    ids = [view.id for view in views]
    refs = {view.id: view.ref for view in views}
    now = utcnow()
    units = {unit.id: unit for unit in db.session.scalars(select(Unit))}  # named in the reader's language
    reps = db.session.scalars(
        select(Representative).where(Representative.incident_id.in_(ids), Representative.removed_at.is_(None))
        .order_by(Representative.incident_id.desc(), Representative.id))
    tasks = db.session.scalars(select(Task).where(Task.incident_id.in_(ids)).order_by(Task.incident_id.desc(), Task.id))
    return {
        "incidents": [{**IncidentSchema().dump(view.incident), "occurred_at": view.occurred_at,
                       "open_tasks": view.open_tasks, "overdue_tasks": view.overdue_tasks} for view in views],
        "representatives": [
            {"ref": refs[rep.incident_id], "name": rep.person.name, "note": rep.note,
             "id_number": personal_data.mask_id_number(rep.person.id_number_masked),
             "phone": personal_data.mask_phone(rep.person.phone_masked)} for rep in reps],
        "tasks": [
            {"ref": refs[task.incident_id], "unit": units.get(task.unit_id), "title": task.title,
             "priority": task.priority, "status": task.status, "due_at": task.due_at,
             "overdue": rules.is_overdue(task.status, task.due_at, now)} for task in tasks],
    }


# --- representatives and persons: that area reads the incidents it links through the rows handed to it

def representatives_of(*, actor: User, incident_id: int) -> list:
    return representatives.list_representatives(actor=actor, incident_id=incident_id, incidents=incidents)


def find_persons(*, actor: User, id_number: str) -> list:
    return representatives.find_persons(actor=actor, id_number=id_number, incidents=incidents)


def person(*, actor: User, person_id: int):
    return representatives.get_person(actor=actor, person_id=person_id, incidents=incidents)
