"""The incident registry: register, find, edit, move through its statuses."""
from __future__ import annotations

from typing import Any, Callable

from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload

from .. import workflow
from ..auth import permissions
from ..auth.models import User
from ..db import db, utcnow
from ..errors import Conflict, found
from ..events import Event, unit_of_work
from ..workflow import Transition
from .models import Incident, RefCounter
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
    permissions.require(actor, "register_incident")
    with unit_of_work() as uow:
        now = utcnow()
        incident = Incident(
            ref=_next_ref(uow.session, now.astimezone(ZoneInfo(current_app.config["DISPATCH_TIMEZONE"])).year), status="reported", version=1,
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
    return found(session.scalar(query), "incident")


def get_incident(*, actor: User, incident_id: int) -> Incident:
    permissions.require_user(actor)
    return _get(db.session, incident_id)


def rows(session: Session, ids: set[int], *, lock: bool = False) -> dict[int, Incident]:
    """Incidents by id; locked in id order (and read afresh) when asked, so lockers never deadlock."""
    if not ids:
        return {}
    query = select(Incident).where(Incident.id.in_(ids)).order_by(Incident.id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return {incident.id: incident for incident in session.scalars(query)}


def locked(session: Session, incident_id: int) -> Incident:
    """The incident, locked for the rest of the transaction (404 when there is none)."""
    return _get(session, incident_id, for_update=True)


def update_incident(*, actor: User, incident_id: int, version: int, changes: dict[str, Any]) -> Incident:
    """Command edits the facts; a stale version is refused so no one overwrites what they have not seen."""
    permissions.require(actor, "edit_incident")
    with unit_of_work() as uow:
        incident = _get(uow.session, incident_id, for_update=True)
        if incident.version != version:
            raise Conflict(_("Someone else changed this incident in the meantime: reload it to see the latest, then "
                             "make your change again."),
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


def report_headcount(*, actor: User, incident_id: int, headcount: int, note: str | None = None) -> Incident:
    """How many are at the scene now, as reported from there; the history and the peak follow it.
    (Who may report is decided with the tasks, in dispatch/coordination.py.)"""
    permissions.require(actor, "report_headcount")
    with unit_of_work() as uow:
        incident = _get(uow.session, incident_id, for_update=True)
        previous = incident.headcount
        now = utcnow()
        incident.record_headcount(headcount, now, actor.id)
        incident.version += 1
        incident.updated_at = now
        uow.append_event("incident.headcount_reported", actor=actor, incident=incident, unit_id=actor.unit_id,
                         data={"from": previous, "to": headcount, "note": note or "", "incident": snapshot(incident)})
    return incident


# A check another area makes before a move goes through: (session, incident, action) -> None or raise.
Guard = Callable[[Session, Incident, str], None]


def transition_incident(*, actor: User, incident_id: int, action: str, note: str | None = None,
                        guard: Guard | None = None) -> Incident:
    """Command moves the incident on (respond, contain, resolve, close, reopen)."""
    permissions.require(actor, "move_incident")
    with unit_of_work() as uow:
        incident = _get(uow.session, incident_id, for_update=True)
        step = workflow.apply(INCIDENT_TRANSITIONS, incident.status, action, actor.role)
        if guard is not None:
            guard(uow.session, incident, action)
        previous = incident.status
        incident.status = step.to
        incident.version += 1
        incident.updated_at = utcnow()
        uow.append_event(step.event, actor=actor, incident=incident,
                         data={"from": previous, "to": step.to, "note": note or "",
                               "incident": snapshot(incident)})
    return incident


def timeline(*, actor: User, incident_id: int) -> list[Event]:
    """That incident's events, oldest first: the single source is the log."""
    permissions.require_user(actor)
    _get(db.session, incident_id)
    return list(db.session.scalars(select(Event).where(Event.incident_id == incident_id).order_by(Event.seq)))
