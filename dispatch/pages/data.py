"""What each page starts from: one read of the read side, stamped with the log's `last_seq`.

`last_seq` is read first, then the rows: an event committed in between is
replayed by the page's `resume` and applied again, which is harmless because
every event carries the full object and the page replaces it.
"""
from __future__ import annotations

from ..auth import service as auth
from ..auth.models import User
from ..auth.schemas import UnitSchema
from ..db import db
from ..board import review_view
from ..board import report_content
from ..board import service as board
from ..events import last_seq
from ..hidden_dangers import service as hidden_dangers_service
from ..hidden_dangers.schemas import HiddenDangerDetailSchema, HiddenDangerSchema
from ..incidents import service as incidents
from ..incidents.schemas import IncidentSchema
from ..instructions.schemas import InstructionSchema
from ..labels import user_name
from ..reports.schemas import ReportBriefSchema
from ..response_plans import service as response_plans_service
from ..response_plans.schemas import ResponsePlanSchema
from ..statistics import service as statistics_service
from ..statistics.schemas import IncidentStatisticsSchema, UnitStatisticsSchema
from ..tasks.schemas import TaskSchema

# What the board and the wall draw from a task: counts, overdue, escalations. A task event
# carries the whole task and replaces this shorter form.
BOARD_TASK_FIELDS = ("id", "incident_id", "unit_id", "co_unit_ids", "title", "status", "priority", "due_at",
                     "supervision_count", "escalated", "version")
BRIEF_INCIDENT = dict(many=True, exclude=("headcount_history",))


def common(actor: User) -> dict:
    return {
        "last_seq": last_seq(),
        "user": {"id": actor.id, "role": actor.role, "unit_id": actor.unit_id, "name": user_name(actor)},
        "units": UnitSchema(many=True).dump(auth.list_units(actor=actor)),
        # who acted, named in the page's language (an event keeps the name it was written with)
        "users": [{"id": user.id, "name": user.display_name, "name_zh": user.display_name_zh}
                  for user in auth.list_names(actor=actor)],
    }


def board_page(actor: User) -> dict:
    """The board and the wall: what the read side puts on the board, with open tasks and instructions."""
    state = common(actor)
    shown = board.board(actor=actor)
    state["incidents"] = IncidentSchema(**BRIEF_INCIDENT).dump(shown["incidents"])
    state["tasks"] = TaskSchema(many=True, only=BOARD_TASK_FIELDS).dump(shown["tasks"])
    state["instructions"] = InstructionSchema(many=True).dump(shown["instructions"])
    state["hidden_dangers"] = HiddenDangerSchema(many=True).dump(hidden_dangers_service.open_high_risk())
    return state


def queue(actor: User, unit_id: int) -> dict:
    """One unit's open tasks (as lead or co-handling unit), most urgent first; their incidents; its instructions."""
    state = common(actor)
    shown = board.queue(actor=actor, unit_id=unit_id)
    state["unit_id"] = unit_id
    state["tasks"] = TaskSchema(many=True).dump(shown["tasks"])
    state["instructions"] = InstructionSchema(many=True).dump(shown["instructions"])
    state["incidents"] = IncidentSchema(**BRIEF_INCIDENT).dump(shown["incidents"])
    return state


def incident(actor: User, incident_id: int) -> dict:
    """One incident with everything that hangs off it and its timeline."""
    state = common(actor)
    view = board.incident_detail(actor=actor, incident_id=incident_id)
    state["incident"] = IncidentSchema().dump(view.incident)
    state["representatives"] = view.representatives
    state["tasks"] = view.tasks
    state["instructions"] = view.instructions
    state["attachments"] = view.attachments
    # the meetings with the representatives, and each commitment with its task's state and whether it was kept
    state["meetings"] = view.meetings
    state["commitments"] = view.commitments
    state["reports"] = ReportBriefSchema(many=True).dump(report_content.reports_of(actor=actor, incident_id=incident_id))
    state["review"] = review_view.brief(incident_id)
    state["timeline"] = [event.to_dict() for event in incidents.timeline(actor=actor, incident_id=incident_id)]
    # the plans command may apply here, and those already applied (offered no more)
    state["response_plans"] = ResponsePlanSchema(many=True).dump(_plans_in_force(actor))
    state["applied_plan_ids"] = response_plans_service.applied_plan_ids(db.session, incident_id)
    return state


def _plans_in_force(actor: User) -> list:
    items, _total = response_plans_service.list_response_plans(
        actor=actor, filters={"limit": REGISTER_SHOWN, "offset": 0})
    return items


def response_plans(actor: User) -> dict:
    """Every response plan in force, by category."""
    state = common(actor)
    state["response_plans"] = ResponsePlanSchema(many=True).dump(_plans_in_force(actor))
    return state


# the register page draws up to this many and filters them where it stands; the API pages through the rest
REGISTER_SHOWN = 500


def hidden_dangers(actor: User) -> dict:
    """The register of hidden dangers, newest first (key persons masked)."""
    state = common(actor)
    items, total = hidden_dangers_service.list_hidden_dangers(actor=actor, filters={"limit": REGISTER_SHOWN, "offset": 0})
    state["hidden_dangers"] = HiddenDangerSchema(many=True).dump(items)
    state["total"] = total
    return state


def hidden_danger(actor: User, hidden_danger_id: int) -> dict:
    """One hidden danger with its visits."""
    state = common(actor)
    state["hidden_danger"] = HiddenDangerDetailSchema().dump(
        hidden_dangers_service.get_hidden_danger(actor=actor, hidden_danger_id=hidden_danger_id))
    return state


def statistics(actor: User, args: dict) -> dict:
    """The figures per unit and per group of incidents for the period asked (the API's tables)."""
    state = common(actor)
    first, last = args.get("from_"), args.get("to")
    state["units_table"] = UnitStatisticsSchema().dump(
        statistics_service.unit_figures(actor=actor, first=first, last=last))
    state["incidents_table"] = IncidentStatisticsSchema().dump(
        statistics_service.incident_figures(actor=actor, by=args.get("by") or "category", first=first, last=last))
    # after-action reviews recorded, and their improvements not yet settled (all time)
    state["reviews"] = review_view.counts()
    return state
