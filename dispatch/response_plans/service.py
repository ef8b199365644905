"""Response plans (预案): the standard tasks for a category and level, kept by command and the administrator,
read by everyone, and applied to an incident once.

The tasks a plan dispatches are made by the tasks area and the incident is
locked by the incidents area; applying is composed in dispatch/coordination.py,
so this area imports neither.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..auth import permissions
from ..auth.models import User
from ..auth.service import require_units
from ..db import db, utcnow
from ..errors import Conflict, NotFound
from ..events import unit_of_work
from ..schemas import shown_time
from .models import (ResponsePlan, ResponsePlanApplication, ResponsePlanLevel, ResponsePlanTask,
                     ResponsePlanTaskCoUnit)
from .schemas import ResponsePlanSchema


def snapshot(plan: ResponsePlan) -> dict[str, Any]:
    """The dumped plan: its events carry it, so every open plans page redraws it."""
    return ResponsePlanSchema().dump(plan)


def brief(plan: ResponsePlan) -> dict[str, Any]:
    return {"id": plan.id, "name": plan.name, "category": plan.category, "levels": plan.levels}


def _missing() -> NotFound:
    return NotFound(_("No such response plan: it may have been deleted, or the link is wrong."))


def _get(session: Session, plan_id: int, *, for_update: bool = False) -> ResponsePlan:
    query = select(ResponsePlan).where(ResponsePlan.id == plan_id, ResponsePlan.deleted_at.is_(None))
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    plan = session.scalar(query)
    if plan is None:
        raise _missing()
    return plan


def locked(session: Session, plan_id: int) -> ResponsePlan:
    return _get(session, plan_id, for_update=True)


def _known_units(session: Session, tasks: list[dict[str, Any]]) -> None:
    """Every lead and co-handling unit exists; the refusal names the row and field (`tasks.2.unit_id`)."""
    for index, task in enumerate(tasks):
        require_units(session, [task["unit_id"]], f"tasks.{index}.unit_id")
        require_units(session, task.get("co_unit_ids", []), f"tasks.{index}.co_unit_ids")


def _fill(plan: ResponsePlan, data: dict[str, Any]) -> None:
    plan.name = data["name"].strip()
    plan.category = data["category"]
    plan.level_rows = [ResponsePlanLevel(level=level) for level in data["levels"]]
    plan.tasks = [
        ResponsePlanTask(position=position, unit_id=task["unit_id"], title=task["title"].strip(),
                         instructions=task.get("instructions") or "", priority=task.get("priority") or "normal",
                         due_in_minutes=task["due_in_minutes"],
                         co_units=[ResponsePlanTaskCoUnit(unit_id=unit_id)
                                   for unit_id in dict.fromkeys(task.get("co_unit_ids") or [])])
        for position, task in enumerate(data["tasks"])]


def create_response_plan(*, actor: User, data: dict[str, Any]) -> ResponsePlan:
    """Command or the administrator writes a new plan; every plans page shows it."""
    permissions.require(actor, "edit_response_plans")
    with unit_of_work() as uow:
        _known_units(uow.session, data["tasks"])
        now = utcnow()
        plan = ResponsePlan(version=1, created_by_id=actor.id, created_at=now, updated_at=now)
        _fill(plan, data)
        uow.session.add(plan)
        uow.session.flush()
        uow.append_event("response_plan.saved", actor=actor, data={"created": True, "response_plan": snapshot(plan)})
    return plan


def update_response_plan(*, actor: User, plan_id: int, data: dict[str, Any]) -> ResponsePlan:
    """Command or the administrator rewrites a plan as a whole; incidents it was applied to keep their tasks."""
    permissions.require(actor, "edit_response_plans")
    with unit_of_work() as uow:
        plan = locked(uow.session, plan_id)
        if data.get("version") is not None and data["version"] != plan.version:
            raise Conflict(_("Someone else changed this response plan in the meantime: reload it to see the latest, "
                             "then make your change again."), current_version=plan.version)
        _known_units(uow.session, data["tasks"])
        plan.tasks, plan.level_rows = [], []  # the old rows go before the new take their places
        uow.session.flush()
        _fill(plan, data)
        plan.version += 1
        plan.updated_at = utcnow()
        uow.session.flush()
        uow.append_event("response_plan.saved", actor=actor, data={"created": False, "response_plan": snapshot(plan)})
    return plan


def delete_response_plan(*, actor: User, plan_id: int) -> None:
    """Command or the administrator withdraws a plan: it is no longer offered; where it was applied stays known."""
    permissions.require(actor, "edit_response_plans")
    with unit_of_work() as uow:
        plan = locked(uow.session, plan_id)
        plan.deleted_at = utcnow()
        uow.append_event("response_plan.deleted", actor=actor, data={"response_plan": brief(plan)})


def get_response_plan(*, actor: User, plan_id: int) -> ResponsePlan:
    permissions.require_user(actor)
    return _get(db.session, plan_id)


def list_response_plans(*, actor: User, filters: dict[str, Any]) -> tuple[list[ResponsePlan], int]:
    """Every plan in force, by category, filtered by category and level."""
    permissions.require_user(actor)
    query = select(ResponsePlan).where(ResponsePlan.deleted_at.is_(None))
    if filters.get("category"):
        query = query.where(ResponsePlan.category == filters["category"])
    if filters.get("level"):
        query = query.where(ResponsePlan.id.in_(
            select(ResponsePlanLevel.plan_id).where(ResponsePlanLevel.level == filters["level"])))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(query.order_by(ResponsePlan.category, ResponsePlan.id)
                               .limit(filters.get("limit", 200)).offset(filters.get("offset", 0)))
    return list(items), total


def applied_plan_ids(session: Session, incident_id: int) -> list[int]:
    """The plans already applied to an incident (the page offers them no more)."""
    return sorted(session.scalars(select(ResponsePlanApplication.plan_id)
                                  .where(ResponsePlanApplication.incident_id == incident_id)))


def record_application(*, actor: User, plan: ResponsePlan, incident) -> ResponsePlanApplication:
    """The plan goes on the (locked) incident once; a second time is refused with when it was applied."""
    permissions.require(actor, "apply_response_plan")
    session = db.session
    earlier = session.scalar(select(ResponsePlanApplication).where(
        ResponsePlanApplication.plan_id == plan.id, ResponsePlanApplication.incident_id == incident.id))
    if earlier is not None:
        raise Conflict(_("This response plan was already applied to this incident: its tasks are on the incident. "
                         "Dispatch any further task by hand."),
                       current_status=incident.status, applied_at=shown_time(earlier.applied_at))
    application = ResponsePlanApplication(plan_id=plan.id, incident_id=incident.id, applied_by_id=actor.id,
                                          applied_at=utcnow())
    session.add(application)
    session.flush()
    return application


def task_data(step: ResponsePlanTask, now: datetime) -> dict[str, Any]:
    """One standard task as the task service takes a hand-dispatched one, its deadline counted from `now`."""
    return {"unit_id": step.unit_id, "co_unit_ids": step.co_unit_ids, "title": step.title,
            "instructions": step.instructions, "priority": step.priority,
            "due_at": now + timedelta(minutes=step.due_in_minutes)}


def mark_applied(*, actor: User, plan: ResponsePlan, incident, task_ids: list[int]) -> None:
    """The incident's timeline says which plan dispatched which tasks (each task has its own event before)."""
    with unit_of_work() as uow:
        uow.append_event("response_plan.applied", actor=actor, incident=incident.id,
                         data={"response_plan": brief(plan), "task_ids": task_ids})
