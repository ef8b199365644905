"""The incident registry: register, find, edit, move through its statuses."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import selectinload

from .. import personal_data, workflow
from ..auth import permissions
from ..auth.models import Unit, User
from ..db import db, utcnow
from ..errors import Conflict, NotFound
from ..events import Event, unit_of_work
from ..representatives.models import Representative
from ..tasks.models import NOT_OVERDUE, SETTLED, Task, TaskCoUnit
from ..tasks.service import task_counts as _task_counts
from ..workflow import Transition
from . import export
from .models import ACTIVE_STATUSES, Incident, RefCounter
from .schemas import IncidentSchema

INCIDENT_TRANSITIONS: workflow.Table = {
    ("reported", "respond"): Transition("command", "responding", "incident.responded"),
    ("reported", "contain"): Transition("command", "contained", "incident.contained"),
    ("reported", "resolve"): Transition("command", "resolved", "incident.resolved"),
    ("responding", "contain"): Transition("command", "contained", "incident.contained"),
    ("responding", "resolve"): Transition("command", "resolved", "incident.resolved"),
    # a contained crowd can flare up again
    ("contained", "respond"): Transition("command", "responding", "incident.responded"),
    ("contained", "resolve"): Transition("command", "resolved", "incident.resolved"),
    ("resolved", "close"): Transition("command", "closed", "incident.closed"),
    # reopened: back to responding (DESIGN.md), told apart by its event
    ("resolved", "reopen"): Transition("command", "responding", "incident.reopened"),
    ("closed", "reopen"): Transition("command", "responding", "incident.reopened"),
}

EDITABLE = ("title", "category", "location", "lat", "lng", "headcount", "demands", "level")


def snapshot(incident: Incident) -> dict[str, Any]:
    """What the live board needs to draw an incident (no personal data lives here)."""
    return IncidentSchema().dump(incident)


def _next_ref(session, year: int) -> str:
    """INC-<year>-<n>: the counter row is updated in the transaction, so a rollback leaves no gap."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(RefCounter).values(year=year, last_number=0).on_conflict_do_nothing())
    number = session.execute(
        update(RefCounter).where(RefCounter.year == year)
        .values(last_number=RefCounter.last_number + 1).returning(RefCounter.last_number)
    ).scalar_one()
    return f"INC-{year}-{number:04d}"


def register_incident(*, actor: User, data: dict[str, Any]) -> Incident:
    """Command registers a petition or mass incident; every board shows it as reported."""
    permissions.require_role(actor, "command")
    with unit_of_work() as uow:
        now = utcnow()
        incident = Incident(
            ref=_next_ref(uow.session, now.year), status="reported", version=1,
            peak_headcount=0, created_by_id=actor.id, created_at=now, updated_at=now,
            **{k: v for k, v in data.items() if k != "headcount"},
        )
        incident.record_headcount(data["headcount"], now, actor.id)
        uow.session.add(incident)
        uow.session.flush()  # the event's snapshot carries the new id
        uow.append_event("incident.registered", actor=actor, incident=incident,
                         data={"incident": snapshot(incident)})
    return incident


def _get(session, incident_id: int, *, for_update: bool = False) -> Incident:
    query = select(Incident).where(Incident.id == incident_id).options(selectinload(Incident.headcount_history))
    if for_update:
        query = query.with_for_update()
    incident = session.scalar(query)
    if incident is None:
        raise NotFound("No such incident.")
    return incident


def get_incident(*, actor: User, incident_id: int) -> Incident:
    permissions.require_user(actor)
    return _get(db.session, incident_id)


def list_incidents(*, actor: User, filters: dict[str, Any]) -> tuple[list[Incident], int]:
    permissions.require_user(actor)
    query = select(Incident)
    status = filters.get("status")
    if status == "active":
        query = query.where(Incident.status.in_(ACTIVE_STATUSES))
    elif status:
        query = query.where(Incident.status == status)
    for name in ("level", "category", "kind"):
        if filters.get(name):
            query = query.where(getattr(Incident, name) == filters[name])
    if filters.get("q"):
        # autoescape: a % or _ in the search is that character, not a wildcard
        query = query.where(or_(*(func.lower(column).contains(filters["q"].lower(), autoescape=True) for column in
                                  (Incident.ref, Incident.title, Incident.location, Incident.demands))))
    if filters.get("unit_id"):
        # the unit leads or co-handles a task there
        unit_id = filters["unit_id"]
        tasks_of_unit = select(Task.incident_id).where(
            or_(Task.unit_id == unit_id, Task.id.in_(select(TaskCoUnit.task_id).where(TaskCoUnit.unit_id == unit_id))))
        query = query.where(Incident.id.in_(tasks_of_unit))
    if "repeat" in filters:
        query = query.where(Incident.repeat_of_id.is_not(None) if filters["repeat"] else Incident.repeat_of_id.is_(None))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(
        query.options(selectinload(Incident.headcount_history))
        .order_by(Incident.id.desc()).limit(filters["limit"]).offset(filters["offset"])
    ).all()
    return list(items), total


def update_incident(*, actor: User, incident_id: int, version: int, changes: dict[str, Any]) -> Incident:
    """Command edits the facts; a stale version is refused so no one overwrites what they have not seen."""
    permissions.require_role(actor, "command")
    with unit_of_work() as uow:
        incident = _get(uow.session, incident_id, for_update=True)
        if incident.version != version:
            raise Conflict("Someone else changed this incident; reload it.",
                           current_version=incident.version, current_status=incident.status)
        now = utcnow()
        changed = {}
        for name in EDITABLE:
            if name in changes and changes[name] != getattr(incident, name):
                changed[name] = [getattr(incident, name), changes[name]]
                if name == "headcount":
                    incident.record_headcount(changes[name], now, actor.id)
                else:
                    setattr(incident, name, changes[name])
        if changed:
            incident.version += 1
            incident.updated_at = now
            uow.append_event("incident.updated", actor=actor, incident=incident,
                             data={"changes": changed, "incident": snapshot(incident)})
    return incident


def unsettled_tasks(session, incident_id: int) -> list[Task]:
    return list(session.scalars(
        select(Task).where(Task.incident_id == incident_id, Task.status.not_in(SETTLED)).order_by(Task.id)
    ))


def transition_incident(*, actor: User, incident_id: int, action: str, note: str | None = None) -> Incident:
    """Command moves the incident on (respond, contain, resolve, close, reopen)."""
    permissions.require_role(actor, "command")
    with unit_of_work() as uow:
        incident = _get(uow.session, incident_id, for_update=True)
        step = workflow.apply(INCIDENT_TRANSITIONS, incident.status, action, actor.role)
        if action == "close":
            open_tasks = unsettled_tasks(uow.session, incident.id)
            if open_tasks:
                raise Conflict(
                    "The incident still has unsettled tasks.", current_status=incident.status,
                    unsettled_tasks=[{"id": t.id, "title": t.title, "status": t.status, "unit_id": t.unit_id}
                                     for t in open_tasks],
                )
        previous = incident.status
        incident.status = step.to
        incident.version += 1
        incident.updated_at = utcnow()
        uow.append_event(step.event, actor=actor, incident=incident,
                         data={"from": previous, "to": step.to, "note": note or "",
                               "incident": snapshot(incident)})
    return incident


EXPORT_LIMIT = 5000


def export_incidents(*, actor: User, filters: dict[str, Any]) -> bytes:
    """Command and leaders take the register away as a workbook; personal data only masked."""
    permissions.require_role(actor, "command", "leader")
    incidents, _total = list_incidents(actor=actor, filters={**filters, "limit": EXPORT_LIMIT, "offset": 0})
    ids = [incident.id for incident in incidents]
    refs = {incident.id: incident.ref for incident in incidents}
    counts = _task_counts(ids)
    now = utcnow()
    units = dict(db.session.execute(select(Unit.id, Unit.name)).all())
    representatives = db.session.scalars(
        select(Representative).where(Representative.incident_id.in_(ids), Representative.removed_at.is_(None))
        .order_by(Representative.incident_id.desc(), Representative.id))
    tasks = db.session.scalars(select(Task).where(Task.incident_id.in_(ids))
                               .order_by(Task.incident_id.desc(), Task.id))
    return export.workbook_bytes(
        [{**IncidentSchema().dump(incident), "occurred_at": incident.occurred_at,
          "open_tasks": counts[incident.id]["open"], "overdue_tasks": counts[incident.id]["overdue"]}
         for incident in incidents],
        [{"ref": refs[rep.incident_id], "name": rep.person.name, "note": rep.note,
          "id_number": personal_data.mask_id_number(rep.person.id_number_masked),
          "phone": personal_data.mask_phone(rep.person.phone_masked)} for rep in representatives],
        [{"ref": refs[task.incident_id], "unit": units.get(task.unit_id), "title": task.title,
          "priority": task.priority, "status": task.status, "due_at": task.due_at,
          "overdue": task.due_at < now and task.status not in NOT_OVERDUE} for task in tasks],
    )


def timeline(*, actor: User, incident_id: int) -> list[Event]:
    """That incident's events, oldest first: the single source is the log."""
    permissions.require_user(actor)
    _get(db.session, incident_id)
    return list(db.session.scalars(select(Event).where(Event.incident_id == incident_id).order_by(Event.seq)))
