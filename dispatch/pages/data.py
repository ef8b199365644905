"""What each page starts from: one read, stamped with the log's `last_seq`.

`last_seq` is read first, then the rows: an event committed in between is
replayed by the page's `resume` and applied again, which is harmless because
every event carries the full object and the page replaces it.
"""
from __future__ import annotations

from sqlalchemy import or_, select

from ..auth import service as auth
from ..auth.models import User
from ..auth.schemas import UnitSchema
from ..db import db
from ..events import last_seq
from ..labels import user_name
from ..incidents import service as incidents
from ..incidents.models import ACTIVE_STATUSES, Incident
from ..incidents.schemas import IncidentSchema
from ..instructions import service as instructions
from ..instructions.models import Instruction, InstructionAddressee
from ..instructions.schemas import InstructionSchema
from ..representatives import service as representatives
from ..tasks import service as tasks
from ..tasks.models import SETTLED, Task, TaskCoUnit
from ..tasks.schemas import TaskSchema


# What the board and the wall draw from a task: counts, overdue, escalations. A task event
# carries the whole task and replaces this shorter form.
BOARD_TASK_FIELDS = ("id", "incident_id", "unit_id", "co_unit_ids", "title", "status", "priority", "due_at",
                     "supervision_count", "escalated", "version")


def common(actor: User) -> dict:
    return {
        "last_seq": last_seq(),
        "user": {"id": actor.id, "role": actor.role, "unit_id": actor.unit_id, "name": user_name(actor)},
        "units": UnitSchema(many=True).dump(auth.list_units(actor=actor)),
        # who acted, named in the page's language (an event keeps the name it was written with)
        "users": [{"id": id, "name": name, "name_zh": name_zh} for id, name, name_zh in db.session.execute(
            select(User.id, User.display_name, User.display_name_zh).order_by(User.id))],
    }


def board(actor: User) -> dict:
    """Active incidents with their open tasks and their instructions: the board and the wall."""
    state = common(actor)
    active = select(Incident.id).where(Incident.status.in_(ACTIVE_STATUSES))
    state["incidents"] = IncidentSchema(many=True, exclude=("headcount_history",)).dump(
        db.session.scalars(select(Incident).where(Incident.status.in_(ACTIVE_STATUSES)).order_by(Incident.id)))
    state["tasks"] = TaskSchema(many=True, only=BOARD_TASK_FIELDS).dump(db.session.scalars(
        select(Task).where(Task.incident_id.in_(active), Task.status.not_in(SETTLED)).order_by(Task.id)))
    state["instructions"] = InstructionSchema(many=True).dump(db.session.scalars(
        select(Instruction).where(Instruction.incident_id.in_(active)).order_by(Instruction.id)))
    return state


def queue(actor: User, unit_id: int) -> dict:
    """One unit's open tasks (as lead or co-handling unit), their incidents, its instructions."""
    state = common(actor)
    co_handled = select(TaskCoUnit.task_id).where(TaskCoUnit.unit_id == unit_id)
    rows = list(db.session.scalars(
        select(Task).where(or_(Task.unit_id == unit_id, Task.id.in_(co_handled)), Task.status.not_in(SETTLED))
        .order_by(Task.due_at)))
    addressed = select(InstructionAddressee.instruction_id).where(InstructionAddressee.unit_id == unit_id)
    orders = list(db.session.scalars(
        select(Instruction).where(Instruction.id.in_(addressed)).order_by(Instruction.id.desc()).limit(50)))
    incident_ids = {t.incident_id for t in rows} | {i.incident_id for i in orders}
    state["unit_id"] = unit_id
    state["tasks"] = TaskSchema(many=True).dump(rows)
    state["instructions"] = InstructionSchema(many=True).dump(orders)
    state["incidents"] = IncidentSchema(many=True, exclude=("headcount_history",)).dump(
        db.session.scalars(select(Incident).where(Incident.id.in_(incident_ids))))
    return state


def incident(actor: User, incident_id: int) -> dict:
    """One incident with everything that hangs off it and its timeline."""
    state = common(actor)
    found = incidents.get_incident(actor=actor, incident_id=incident_id)
    state["incident"] = IncidentSchema().dump(found)
    state["representatives"] = representatives.dump_for_incident(actor=actor, incident_id=incident_id)
    state["tasks"] = tasks.dump_for_incident(actor=actor, incident_id=incident_id)
    state["instructions"] = instructions.dump_for_incident(actor=actor, incident_id=incident_id)
    state["timeline"] = [event.to_dict() for event in incidents.timeline(actor=actor, incident_id=incident_id)]
    return state
