"""What each page starts from: one read of the read side, stamped with the log's `last_seq`.

`last_seq` is read first, then the rows: an event committed in between is
replayed by the page's `resume` and applied again, which is harmless because
every event carries the full object and the page replaces it.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ..auth import permissions
from ..auth import service as auth
from ..auth.models import Unit, User
from ..auth.schemas import UnitSchema
from ..board import review_view
from ..db import db, utcnow
from ..duty import service as duty
from ..duty.schemas import DutySchema, ShiftSchema
from ..board import report_content
from ..board import service as board
from ..events import Event, last_seq
from ..duty.models import Notification
from ..errors import NotFound
from flask_babel import gettext as _
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
from ..tasks.models import Task
from ..tasks.schemas import TaskSchema

# What the board and the wall draw from a task: counts, overdue, escalations. A task event
# carries the whole task and replaces this shorter form.
BOARD_TASK_FIELDS = ("id", "incident_id", "unit_id", "co_unit_ids", "title", "status", "priority", "due_at",
                     "supervision_count", "escalated", "version", "open", "overdue_at", "due_soon_at", "urgency_key",
                     "queue_unit_ids", "working_unit_ids", "involved_unit_ids", "actions")
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


def duty_roster(actor: User, week_of) -> dict:
    """One week of every unit's shifts, who is on duty now, and the units this user keeps the roster of."""
    state = common(actor)
    start = duty.week_start(week_of or utcnow())
    shifts, _total = duty.list_shifts(actor=actor, unit_id=None, filters={
        "from_": start, "to": start + timedelta(days=7), "limit": 5000, "offset": 0})
    state["week_start"] = start.isoformat()
    state["days"] = [(start + timedelta(days=n)).isoformat() for n in range(8)]
    state["shifts"] = ShiftSchema(many=True).dump(shifts)
    state["now"] = DutySchema().dump(duty.duty(actor=actor, at=None))["items"]
    members = db.session.scalars(select(User).where(User.active, User.unit_id.isnot(None)).order_by(User.id))
    state["members"] = [{"id": u.id, "unit_id": u.unit_id, "name": u.display_name, "name_zh": u.display_name_zh,
                         "head": u.unit_head} for u in members]
    keeps = permissions.may(actor, "keep_roster")
    state["editable_unit_ids"] = [] if not keeps else (
        [actor.unit_id] if actor.role == "liaison" else list(db.session.scalars(select(Unit.id).where(Unit.active))))
    return state


HANDOVER_EVENTS = 500


def handover(actor: User, unit_id: int | None, start, end) -> dict:
    """A unit's shift handed over: what happened in the window, what is still open, and who was told and did not
    answer (the silences that climbed past the on-duty, and what could not be delivered)."""
    permissions.require_user(actor)
    unit = db.session.get(Unit, unit_id) if unit_id else None
    if unit is None:
        raise NotFound(_("No such unit: choose one from the list."))
    end = end or utcnow()
    start = start or duty.current_shift_start(db.session, actor, unit.id, end)
    query = select(Event).where(Event.at >= start, Event.at < end)
    if unit.kind != "command":  # the command centre hands over the whole county's log
        query = query.where(Event.unit_id == unit.id)
    happened = list(db.session.scalars(query.order_by(Event.seq).limit(HANDOVER_EVENTS)))
    open_work = board.queue(actor=actor, unit_id=unit.id)
    unacknowledged = [i for i in open_work["instructions"]
                      if any(a.unit_id == unit.id and not a.acknowledged for a in i.addressees)]
    silences = list(db.session.scalars(select(Notification).where(
        Notification.unit_id == unit.id, Notification.created_at >= start, Notification.created_at < end,
        (Notification.step > 0) | (Notification.status == "failed")).order_by(Notification.id)))
    people = {u.id: u for u in db.session.scalars(select(User).where(
        User.id.in_({n.recipient_user_id for n in silences if n.recipient_user_id})))}
    titles = dict(db.session.execute(select(Task.id, Task.title).where(
        Task.id.in_({n.task_id for n in silences if n.task_id}))).all())
    return {"unit": unit, "start": start, "end": end, "events": happened, "tasks": open_work["tasks"],
            "instructions": unacknowledged, "silences": silences, "people": people, "task_titles": titles}


def administration(actor: User) -> dict:
    """The administrator's page: units with their robots, users, places, tokens and the audit trail's first page."""
    from ..auth.models import ROLES, UNIT_KINDS
    from ..auth.schemas import TokenListedSchema, UserSchema
    from ..organisation import audit_trail
    from ..organisation import service as organisation
    from ..organisation.schemas import AdminUnitSchema, AuditCheckSchema
    from ..places import service as places
    from ..places.schemas import PlaceSchema

    state = common(actor)
    trail, total = audit_trail.trail(actor=actor, limit=50)
    check = audit_trail.last_check()
    state.update({
        "admin_units": AdminUnitSchema(many=True).dump(organisation.units_for_admin(actor=actor)),
        "admin_users": UserSchema(many=True).dump(auth.list_users(actor=actor)),
        "tokens": TokenListedSchema(many=True).dump(auth.list_tokens(actor=actor)),
        "places": PlaceSchema(many=True).dump(places.list_places(actor=actor)),
        "audit": {"items": [event.to_dict() for event in trail], "total": total,
                  "verification": AuditCheckSchema().dump(check) if check else None},
        "roles": list(ROLES), "unit_kinds": list(UNIT_KINDS),
    })
    return state
