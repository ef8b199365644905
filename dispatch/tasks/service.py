"""Tasks across departments: dispatch, claim, progress, return and reroute, extension, verification, supervision."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from .. import workflow
from ..auth import permissions
from ..auth.models import User
from ..auth.service import require_units
from ..db import db, utcnow
from ..errors import Conflict, Forbidden, Invalid, found
from ..events import Event, unit_of_work
from ..labels import state_name
from ..schemas import shown_time
from ..workflow import Transition
from ..facts import rules
from .models import SupervisionNotice, Task, TaskCoUnit
from .schemas import TaskSchema

WORKING = ("dispatched", "claimed", "in_progress")


def _each(states, action: str, role: str, to: str | None, event: str) -> dict:
    """One action from several states; `to=None` keeps the state (a note or a flag, not a move)."""
    return {(state, action): Transition(role, to or state, event) for state in states}


TASK_TRANSITIONS: workflow.Table = {
    ("dispatched", "claim"): Transition("liaison", "claimed", "task.claimed"),
    ("claimed", "start"): Transition("liaison", "in_progress", "task.started"),
    **_each(("claimed", "in_progress"), "progress", "liaison", None, "task.progressed"),
    ("in_progress", "submit"): Transition("liaison", "submitted", "task.submitted"),
    # the unit says the task is not theirs before it starts work on it
    **_each(("dispatched", "claimed"), "return", "liaison", "returned", "task.returned"),
    # asking for more time is a flag on the task, never a state that stops the work
    **_each(WORKING, "request_extension", "liaison", None, "task.extension_requested"),
    **_each(WORKING, "approve_extension", "command", None, "task.extension_approved"),
    **_each(WORKING, "reject_extension", "command", None, "task.extension_rejected"),
    ("submitted", "verify"): Transition("command", "done", "task.verified"),
    ("submitted", "reject"): Transition("command", "in_progress", "task.rejected"),
    **_each(("returned",) + WORKING, "reroute", "command", "dispatched", "task.rerouted"),
    **_each(("returned", "submitted") + WORKING, "cancel", "command", "cancelled", "task.cancelled"),
}
# A co-handling unit reports on the work but does not take it or hand it in.
CO_UNIT_ACTIONS = frozenset({"progress"})


EXTENSION_ANSWERS = frozenset({"approve_extension", "reject_extension"})


def actions_on(task: Task) -> list[dict[str, Any]]:
    """What may be done to the task now, and by whom: each action with its role and, when only some units'
    users of that role may, their ids (the lead unit; a co-handling unit for its few actions). Every screen
    receives the same list and keeps what its user's role and unit may do."""
    pending = task.requested_due_at is not None
    found = []
    for (state, action), step in TASK_TRANSITIONS.items():
        if state != task.status or (action in EXTENSION_ANSWERS and not pending) \
                or (action == "request_extension" and pending):
            continue
        units = None
        if step.role == "liaison":
            units = [task.unit_id] + (list(task.co_unit_ids) if action in CO_UNIT_ACTIONS else [])
        found.append({"action": action, "role": step.role, "unit_ids": units})
    return found


def snapshot(task: Task) -> dict[str, Any]:
    """The dumped task: every task event carries it, so a screen updates from the event alone."""
    return TaskSchema().dump(task)


def _get(session: Session, task_id: int, *, for_update: bool = False) -> Task:
    query = select(Task).where(Task.id == task_id)
    if for_update:
        query = query.with_for_update()
    task = session.scalar(query)
    return found(task, "task")


def default_due_at(level: str, priority: str, now: datetime) -> datetime:
    """The time limit the settings give a task of this priority on an incident of this level."""
    return now + timedelta(hours=current_app.config["TASK_DUE_HOURS"][level][priority])


def dispatch_task(*, actor: User, incident, data: dict[str, Any], after_review: bool = False) -> Task:
    """Command hands work to a lead unit (and co-handling units); the units see it dispatched.

    `incident` is the locked incident (its id, level and status), handed in by dispatch/coordination.py; an
    after-action review's improvement (`after_review`) is work on a closed incident too."""
    permissions.require(actor, "dispatch_task")
    co_unit_ids = list(dict.fromkeys(data.get("co_unit_ids") or []))
    if data["unit_id"] in co_unit_ids:
        raise Invalid(_("The lead unit cannot also be a co-handling unit: take it off the co-handling units."),
                      fields={"co_unit_ids": [_("Contains the lead unit.")]})
    with unit_of_work() as uow:
        if incident.status == "closed" and not after_review:
            raise Conflict(_("The incident is closed: reopen it before dispatching tasks."),
                           current_status=incident.status)
        require_units(uow.session, [data["unit_id"]], "unit_id")
        require_units(uow.session, co_unit_ids, "co_unit_ids")
        now = utcnow()
        priority = data.get("priority") or "normal"
        task = Task(
            incident_id=incident.id, unit_id=data["unit_id"], title=data["title"],
            instructions=data.get("instructions") or "", priority=priority,
            due_at=data.get("due_at") or default_due_at(incident.level, priority, now),
            status="dispatched", version=1, supervision_count=0, created_by_id=actor.id,
            created_at=now, updated_at=now, co_units=[TaskCoUnit(unit_id=u) for u in co_unit_ids],
        )
        uow.session.add(task)
        uow.session.flush()
        uow.append_event("task.dispatched", actor=actor, incident=incident.id, task=task,
                         unit_id=task.unit_id, data={"task": snapshot(task)})
    return task


def _require_actor_for(actor: User, task: Task, action: str) -> None:
    """Only the lead unit's liaison acts for the unit; a co-handling unit may only report progress."""
    permissions.require(actor, "act_on_task")
    if actor.role != "liaison" or actor.unit_id == task.unit_id:
        return
    if action in CO_UNIT_ACTIONS and actor.unit_id in task.co_unit_ids:
        return
    raise Forbidden(_("This task belongs to another unit: only its lead unit's liaison may do this."))


# What an action changes beyond the status, and what its event says besides the task.
Effect = Callable[[Session, Task, User, dict[str, Any], datetime], dict[str, Any]]


def _claim(session, task, actor, args, now):
    task.claimed_by_id = actor.id
    return {}


def _note(session, task, actor, args, now):
    return {"note": args.get("note") or ""}


def _lapse_extension(session, task, actor, args, now):
    """Handing in, giving back or cancelling drops a pending request for more time."""
    task.requested_due_at = None
    return {"note": args.get("note") or ""}


def _return(session, task, actor, args, now):
    task.requested_due_at = None
    return {"reason": args["reason"], "note": args.get("note") or ""}


def _request_extension(session, task, actor, args, now):
    wanted = args["due_at"]
    if wanted <= task.due_at or wanted <= now:
        raise Invalid(_("Ask for a time later than the current deadline: choose a later date and time."),
                      fields={"due_at": [_("Must be later than the current deadline and than now.")]})
    task.requested_due_at = wanted
    return {"requested_due_at": shown_time(wanted), "note": args.get("note") or ""}


def _pending_extension(task: Task) -> datetime:
    if task.requested_due_at is None:
        raise Conflict(_("No extension is pending on this task: reload it to see its current deadline."),
                       current_status=task.status)
    return task.requested_due_at


def _approve_extension(session, task, actor, args, now):
    previous = task.due_at
    task.due_at = _pending_extension(task)
    task.requested_due_at = None
    return {"previous_due_at": shown_time(previous), "note": args.get("note") or ""}


def _reject_extension(session, task, actor, args, now):
    refused = _pending_extension(task)
    task.requested_due_at = None
    return {"refused_due_at": shown_time(refused), "note": args.get("note") or ""}


def _reroute(session, task, actor, args, now):
    new_unit = args["unit_id"]
    if new_unit == task.unit_id:
        raise Invalid(_("The task is already with this unit: choose another unit to reroute it to."),
                      fields={"unit_id": [_("The task is already with this unit.")]})
    require_units(session, [new_unit], "unit_id")
    previous = task.unit_id
    task.unit_id = new_unit
    task.co_units = [co for co in task.co_units if co.unit_id != new_unit]
    task.claimed_by_id = None
    task.requested_due_at = None
    if args.get("due_at"):  # the new unit may get a fresh time limit
        task.due_at = args["due_at"]
    return {"from_unit_id": previous, "to_unit_id": new_unit, "note": args.get("note") or ""}


EFFECTS: dict[str, Effect] = {
    "claim": _claim, "start": _note, "progress": _note, "submit": _lapse_extension, "return": _return,
    "request_extension": _request_extension, "approve_extension": _approve_extension,
    "reject_extension": _reject_extension, "verify": _note, "reject": _note, "reroute": _reroute,
    "cancel": _lapse_extension,
}


def transition_task(*, actor: User, task_id: int, action: str, version: int | None = None,
                    **args: Any) -> Task:
    """A unit or command moves the task on; everyone sees the new state and what was said."""
    permissions.require_user(actor)
    with unit_of_work() as uow:
        task = _get(uow.session, task_id, for_update=True)  # concurrent claims queue here
        _require_actor_for(actor, task, action)
        step = workflow.apply(TASK_TRANSITIONS, task.status, action, actor.role)
        if version is not None and version != task.version:
            raise Conflict(_("Someone else changed this task in the meantime: reload it to see the latest, then "
                             "try again."),
                           current_version=task.version, current_status=task.status)
        now = utcnow()
        said = EFFECTS[action](uow.session, task, actor, args, now)
        previous = task.status
        task.status = step.to
        task.version += 1
        task.updated_at = now
        uow.append_event(step.event, actor=actor, incident=task.incident_id, task=task, unit_id=task.unit_id,
                         data={"from": previous, "to": step.to, **said, "task": snapshot(task)})
    return task


def issue_supervision_notice(*, actor: User, task_id: int, note: str) -> SupervisionNotice:
    """Command presses the unit on a late or stuck task; enough notices escalate it to the leaders."""
    permissions.require(actor, "supervise_task")
    with unit_of_work() as uow:
        task = _get(uow.session, task_id, for_update=True)
        if not rules.is_open(task.status):
            raise Conflict(_("The task is already settled (“{status}”): a supervision notice is for open tasks.")
                           .format(status=state_name(task.status)), current_status=task.status)
        task.supervision_count += 1
        notice = SupervisionNotice(task=task, number=task.supervision_count, note=note,
                                   issued_by_id=actor.id, issued_at=utcnow())
        uow.session.add(notice)
        uow.session.flush()
        notice_data = {"id": notice.id, "number": notice.number, "note": note,
                       "issued_at": shown_time(notice.issued_at)}
        context = dict(actor=actor, incident=task.incident_id, task=task, unit_id=task.unit_id)
        uow.append_event("supervision.issued", **context, data={"notice": notice_data, "task": snapshot(task)})
        if notice.number == current_app.config["SUPERVISION_ESCALATE_AFTER"]:
            uow.append_event("supervision.escalated", **context,
                             data={"notice": notice_data, "notices": notice.number, "task": snapshot(task)})
    return notice


def get_task(*, actor: User, task_id: int) -> Task:
    """One task, with its history (its events from the log, oldest first) as `history`."""
    permissions.require_user(actor)
    task = _get(db.session, task_id)
    events = db.session.scalars(select(Event).where(Event.task_id == task.id).order_by(Event.seq))
    task.history = [event.to_dict() for event in events]
    return task


def _co_handled_by(unit_id: int):
    return Task.id.in_(select(TaskCoUnit.task_id).where(TaskCoUnit.unit_id == unit_id))


def list_tasks(*, actor: User, filters: dict[str, Any]) -> tuple[list[Task], int]:
    """Tasks by unit, status, incident and the derived flags; a unit's list comes most urgent first."""
    permissions.require_user(actor)
    now = utcnow()
    query = select(Task)
    unit_id = filters.get("unit_id")
    if filters.get("status") == "open":
        query = query.where(rules.in_queue_clause(unit_id, Task.status, Task.unit_id, _co_handled_by(unit_id))
                            if unit_id is not None else rules.open_clause(Task.status))
    else:
        if unit_id is not None:
            query = query.where(Task.unit_id == unit_id)
        if filters.get("status"):
            query = query.where(Task.status == filters["status"])
    if filters.get("incident_id") is not None:
        query = query.where(Task.incident_id == filters["incident_id"])
    flags = {"overdue": rules.overdue_clause(Task.status, Task.due_at, now),
             "due_soon": rules.due_soon_clause(Task.status, Task.due_at, now),
             "escalated": rules.escalated_clause(Task.supervision_count)}
    for name, condition in flags.items():
        if name in filters:
            query = query.where(condition if filters[name] else ~condition)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    order = (rules.urgency_order(Task.status, Task.priority, Task.due_at, Task.id, now) if unit_id is not None
             else (Task.id.desc(),))
    items = db.session.scalars(query.order_by(*order).limit(filters["limit"]).offset(filters["offset"]))
    return list(items), total


def unsettled_on(session: Session, incident_id: int) -> list[Task]:
    """The tasks that still hold an incident open."""
    return list(session.scalars(
        select(Task).where(Task.incident_id == incident_id, rules.open_clause(Task.status)).order_by(Task.id)))


def has_live_task(session: Session, incident_id: int, unit_id: int) -> bool:
    """Whether the unit leads or co-handles an open task on the incident."""
    return session.scalar(select(Task.id).where(
        Task.incident_id == incident_id, rules.open_clause(Task.status),
        or_(Task.unit_id == unit_id, _co_handled_by(unit_id))).limit(1)) is not None


def involved_unit_ids(session: Session, incident_id: int, *, live_only: bool = False) -> list[int]:
    """Every unit with a task on the incident (cancelled ones aside), leading or co-handling; `live_only`: a
    task still open (not settled), as an instruction's default addressees (API.md)."""
    kept = rules.open_clause(Task.status) if live_only else Task.status != "cancelled"
    live = select(Task.id).where(Task.incident_id == incident_id, kept)
    leads = select(Task.unit_id).where(Task.id.in_(live))
    co = select(TaskCoUnit.unit_id).where(TaskCoUnit.task_id.in_(live))
    return sorted(set(session.scalars(leads)) | set(session.scalars(co)))

