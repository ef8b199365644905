"""The duty roster, the escalation policies and the trail of notifications: the verbs behind the API."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..auth import permissions
from ..auth.models import Unit, User
from ..db import db, utcnow
from ..errors import Forbidden, Invalid, NotFound, found
from ..events import unit_of_work
from ..schemas import display_zone
from . import roster
from .models import DEFAULT_STEPS, LEVELS, EscalationPolicy, Notification, Shift


def _shift_facts(shift: Shift) -> dict[str, Any]:
    return {"shift_id": shift.id, "user_id": shift.user_id, "starts_at": shift.starts_at.isoformat(),
            "ends_at": shift.ends_at.isoformat()}


def _may_keep_roster(actor: User | None, unit_id: int) -> User:
    """Command and the administrator keep every unit's roster; a liaison keeps their own unit's."""
    actor = permissions.require(actor, "keep_roster")
    if actor.role == "liaison" and actor.unit_id != unit_id:
        raise Forbidden(_("This belongs to another unit: only that unit's liaison may act on it."))
    return actor


def _unit(session: Session, unit_id: int) -> Unit:
    return found(session.get(Unit, unit_id), "unit")


def _member(session: Session, unit_id: int, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or user.unit_id != unit_id or not user.active:
        raise Invalid(_("Choose a person of this unit for the shift."),
                      fields={"user_id": [_("No active user with the id {id} belongs to this unit.").format(
                          id=user_id)]})
    return user


def add_shift(*, actor: User, unit_id: int, data: dict[str, Any]) -> Shift:
    """A person of the unit goes on the roster; the duty page and `GET /api/duty` show them on duty then."""
    with unit_of_work() as uow:
        _unit(uow.session, unit_id)
        _may_keep_roster(actor, unit_id)
        _member(uow.session, unit_id, data["user_id"])
        shift = Shift(unit_id=unit_id, user_id=data["user_id"], starts_at=data["starts_at"],
                      ends_at=data["ends_at"], created_by_id=actor.id, created_at=utcnow())
        uow.session.add(shift)
        uow.session.flush()
        uow.append_event("shift.added", actor=actor, unit_id=unit_id, data=_shift_facts(shift))
    return shift


def remove_shift(*, actor: User, shift_id: int) -> None:
    with unit_of_work() as uow:
        shift = uow.session.get(Shift, shift_id)
        if shift is None:
            raise NotFound(_("No such shift: it may have been removed already; reload the roster."))
        _may_keep_roster(actor, shift.unit_id)
        uow.append_event("shift.removed", actor=actor, unit_id=shift.unit_id, data=_shift_facts(shift))
        uow.session.delete(shift)


def week_start(moment: datetime) -> datetime:
    """Monday 00:00 of the week holding `moment`, by the county's calendar, as UTC."""
    local = moment.astimezone(display_zone())
    monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    return monday.astimezone(moment.tzinfo)


def copy_last_week(*, actor: User, unit_id: int, week_of: datetime) -> list[Shift]:
    """The week before `week_of`'s week, copied into it: every shift one week later (those already there are
    left as they are). One action, one transaction."""
    with unit_of_work() as uow:
        _unit(uow.session, unit_id)
        _may_keep_roster(actor, unit_id)
        start = week_start(week_of)
        earlier = uow.session.scalars(select(Shift).where(
            Shift.unit_id == unit_id, Shift.starts_at >= start - timedelta(days=7), Shift.starts_at < start)
            .order_by(Shift.starts_at, Shift.id)).all()
        existing = {(s.user_id, s.starts_at, s.ends_at) for s in uow.session.scalars(select(Shift).where(
            Shift.unit_id == unit_id, Shift.starts_at >= start, Shift.starts_at < start + timedelta(days=7)))}
        created = []
        for shift in earlier:
            copy = (shift.user_id, shift.starts_at + timedelta(days=7), shift.ends_at + timedelta(days=7))
            user = uow.session.get(User, shift.user_id)
            if copy in existing or user is None or not user.active or user.unit_id != unit_id:
                continue
            created.append(Shift(unit_id=unit_id, user_id=copy[0], starts_at=copy[1], ends_at=copy[2],
                                 created_by_id=actor.id, created_at=utcnow()))
        uow.session.add_all(created)
        uow.session.flush()
        for shift in created:
            uow.append_event("shift.added", actor=actor, unit_id=unit_id, data=_shift_facts(shift))
    return created


def list_shifts(*, actor: User, unit_id: int | None, filters: dict[str, Any]) -> tuple[list[dict], int]:
    """Shifts overlapping the window (a unit's, or every unit's), earliest first, with the person's name."""
    permissions.require_user(actor)
    session = db.session
    if unit_id is not None:
        _unit(session, unit_id)
    query = select(Shift, User).join(User, User.id == Shift.user_id)
    if unit_id is not None:
        query = query.where(Shift.unit_id == unit_id)
    if filters.get("from_"):
        query = query.where(Shift.ends_at > filters["from_"])
    if filters.get("to"):
        query = query.where(Shift.starts_at < filters["to"])
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.execute(query.order_by(Shift.starts_at, Shift.unit_id, Shift.id)
                           .limit(filters["limit"]).offset(filters["offset"])).all()
    return [_shown_shift(shift, user) for shift, user in rows], total


def _shown_shift(shift: Shift, user: User) -> dict[str, Any]:
    return {"id": shift.id, "unit_id": shift.unit_id, "user_id": shift.user_id, "name": user.display_name,
            "name_zh": user.display_name_zh, "starts_at": shift.starts_at, "ends_at": shift.ends_at}


def shown_shift(shift: Shift) -> dict[str, Any]:
    return _shown_shift(shift, db.session.get(User, shift.user_id))


# a handover without a shift on the roster covers this many hours back
HANDOVER_HOURS = 12


def current_shift_start(session: Session, user: User, unit_id: int, at: datetime) -> datetime:
    """When the user's shift in the unit that holds `at` began; else HANDOVER_HOURS before `at`."""
    started = session.scalar(select(func.min(Shift.starts_at)).where(
        Shift.unit_id == unit_id, Shift.user_id == user.id, Shift.starts_at <= at, Shift.ends_at > at))
    return started or at - timedelta(hours=HANDOVER_HOURS)


def duty(*, actor: User, at: datetime | None) -> dict[str, Any]:
    """Who is on duty in every active unit at `at` (now by default), and who heads it."""
    permissions.require_user(actor)
    at = at or utcnow()
    session = db.session
    units = session.scalars(select(Unit).where(Unit.active).order_by(Unit.id)).all()
    ids = [unit.id for unit in units]
    on = roster.on_duty(session, ids, at)
    heads = roster.heads(session, ids)
    items = [{"unit_id": unit.id, "code": unit.code, "rostered": on[unit.id][0], "on_duty": on[unit.id][1],
              "heads": heads.get(unit.id, [])} for unit in units]
    return {"at": at, "items": items, "total": len(items)}


# --- escalation policies ---------------------------------------------------------------------------------

def list_policies(*, actor: User) -> list[dict[str, Any]]:
    permissions.require_user(actor)
    stored = {p.level: p for p in db.session.scalars(select(EscalationPolicy))}
    return [{"level": level, "steps": stored[level].steps if level in stored else DEFAULT_STEPS,
             "updated_at": stored[level].updated_at if level in stored else None} for level in LEVELS]


def set_policy(*, actor: User, level: str, steps: list[dict[str, Any]]) -> dict[str, Any]:
    """The level's steps from now on: silences already being watched climb by the new steps at their next scan."""
    permissions.require(actor, "edit_escalation_policies")
    if level not in LEVELS:
        raise NotFound(_("No such incident level: use I, II, III or IV."))
    steps = [{"after_seconds": s["after_seconds"], "notify": s["notify"]} for s in steps]
    with unit_of_work() as uow:
        policy = uow.session.get(EscalationPolicy, level, with_for_update=True)
        if policy is None:
            policy = EscalationPolicy(level=level)
            uow.session.add(policy)
        policy.steps, policy.updated_by_id, policy.updated_at = steps, actor.id, utcnow()
        uow.append_event("escalation_policy.updated", actor=actor, data={"level": level, "steps": steps})
    return {"level": level, "steps": steps, "updated_at": policy.updated_at}


# --- the trail ----------------------------------------------------------------------------------------

def list_notifications(*, actor: User, filters: dict[str, Any]) -> tuple[list[Notification], int]:
    """What was sent to whom about a task, instruction or incident, oldest first, with its delivery state."""
    permissions.require(actor, "read_notifications")
    query = select(Notification)
    for name in ("task_id", "instruction_id", "incident_id", "status"):
        if filters.get(name) is not None:
            query = query.where(getattr(Notification, name) == filters[name])
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(query.order_by(Notification.id).limit(filters["limit"])
                               .offset(filters["offset"])).all()
    return list(items), total
