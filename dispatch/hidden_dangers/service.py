"""The register of hidden dangers: record, visit, resolve or reopen, and mark one erupted.

The key persons are found or created by the representatives area and the
incident a hidden danger erupts into is registered by the incidents area; both
are composed in dispatch/coordination.py, so this area imports neither.
"""
from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from zoneinfo import ZoneInfo

from .. import workflow
from ..facts import rules
from ..auth import permissions
from ..auth.models import Unit, User
from ..db import db, utcnow
from ..errors import Conflict, Invalid, NotFound
from ..events import unit_of_work
from ..workflow import Transition
from .models import HiddenDanger, HiddenDangerPerson, HiddenDangerRefCounter, HiddenDangerVisit
from .schemas import HiddenDangerSchema, VisitSchema

HIDDEN_DANGER_TRANSITIONS: workflow.Table = {
    ("open", "resolve"): Transition("command", "resolved", "hidden_danger.resolved"),
    ("resolved", "reopen"): Transition("command", "open", "hidden_danger.reopened"),
    # it erupted: an incident now carries it (dispatch/coordination.py registers the incident)
    ("open", "promote"): Transition("command", "erupted", "hidden_danger.promoted"),
}


def snapshot(danger: HiddenDanger) -> dict[str, Any]:
    """The dumped hidden danger (key persons masked): its events carry it, so the board redraws it."""
    return HiddenDangerSchema().dump(danger)


def _missing() -> NotFound:
    return NotFound(_("No such hidden danger: it may have been removed, or the link is wrong."))


def _get(session, danger_id: int, *, for_update: bool = False) -> HiddenDanger:
    query = select(HiddenDanger).where(HiddenDanger.id == danger_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    danger = session.scalar(query)
    if danger is None:
        raise _missing()
    return danger


def locked(session, danger_id: int) -> HiddenDanger:
    return _get(session, danger_id, for_update=True)


def require_for_unit(actor: User | None, ability: str, unit_id: int) -> User:
    """Command for any unit; a liaison only for their own unit's hidden dangers."""
    actor = permissions.require(actor, ability)
    if actor.role == "liaison":
        permissions.require_unit_member(actor, unit_id)
    return actor


def _known_unit(session, unit_id: int) -> None:
    if session.get(Unit, unit_id) is None:
        raise Invalid(_("No such unit: choose one from the list."),
                      fields={"unit_id": [_("No unit has the id {id}.").format(id=unit_id)]})


def _next_ref(session) -> str:
    """HD-<year>-<n>, the year in the configured zone; a rollback leaves no gap."""
    year = utcnow().astimezone(ZoneInfo(current_app.config["DISPATCH_TIMEZONE"])).year
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(HiddenDangerRefCounter).values(year=year, last_number=0).on_conflict_do_nothing())
    number = session.execute(
        update(HiddenDangerRefCounter).where(HiddenDangerRefCounter.year == year)
        .values(last_number=HiddenDangerRefCounter.last_number + 1).returning(HiddenDangerRefCounter.last_number)
    ).scalar_one()
    return f"HD-{year}-{number:04d}"


def check_may_record(*, actor: User, unit_id: int) -> None:
    """Before anything is written (the key persons included): who may record for this unit, and that it exists."""
    require_for_unit(actor, "record_hidden_danger", unit_id)
    _known_unit(db.session, unit_id)


def record_hidden_danger(*, actor: User, data: dict[str, Any], key_persons: list[Any]) -> HiddenDanger:
    """Command, or a liaison for their own unit, records a contradiction found before it erupts; everyone's
    board shows it when its risk is high. `key_persons` are the persons rows (dispatch/coordination.py)."""
    check_may_record(actor=actor, unit_id=data["unit_id"])
    with unit_of_work() as uow:
        now = utcnow()
        fields = {name: data[name] for name in ("title", "category", "location", "unit_id", "people_affected",
                                                 "risk", "description")}
        fields.update(lat=data.get("lat"), lng=data.get("lng"))
        danger = HiddenDanger(ref=_next_ref(uow.session), status="open", version=1, created_by_id=actor.id,
                              created_at=now, updated_at=now, **fields)
        danger.persons = [HiddenDangerPerson(person_id=person.id, name=person.name,
                                             id_number_masked=person.id_number_masked,
                                             phone_masked=person.phone_masked) for person in key_persons]
        uow.session.add(danger)
        uow.session.flush()
        uow.append_event("hidden_danger.recorded", actor=actor, unit_id=danger.unit_id,
                         data={"hidden_danger": snapshot(danger)})
    return danger


def get_hidden_danger(*, actor: User, hidden_danger_id: int) -> HiddenDanger:
    permissions.require_user(actor)
    return _get(db.session, hidden_danger_id)


def _like(text: str) -> str:
    """A search text as a LIKE pattern that matches it literally (as the board's search does)."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_hidden_dangers(*, actor: User, filters: dict[str, Any]) -> tuple[list[HiddenDanger], int]:
    """The register, newest first, filtered by status, risk, unit, category and text."""
    permissions.require_user(actor)
    query = select(HiddenDanger)
    for name in ("status", "risk", "unit_id", "category"):
        if filters.get(name) is not None:
            query = query.where(getattr(HiddenDanger, name) == filters[name])
    if filters.get("q"):
        like = _like(filters["q"].strip())
        query = query.where(or_(*(func.lower(column).like(like, escape="\\") for column in (
            HiddenDanger.ref, HiddenDanger.title, HiddenDanger.location, HiddenDanger.description))))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(query.order_by(HiddenDanger.id.desc()).limit(filters["limit"])
                               .offset(filters["offset"]))
    return list(items), total


def open_high_risk() -> list[HiddenDanger]:
    """What the board shows: open hidden dangers at high risk."""
    return list(db.session.scalars(select(HiddenDanger).where(HiddenDanger.status == "open",
                                                               HiddenDanger.risk == "high")
                                   .order_by(HiddenDanger.id.desc())))


def _touch(danger: HiddenDanger) -> None:
    danger.version += 1
    danger.updated_at = utcnow()


def record_visit(*, actor: User, hidden_danger_id: int, note: str, risk: str | None = None) -> HiddenDangerVisit:
    """The responsible unit (or command) visits and notes what it found; the risk may move with it."""
    permissions.require(actor, "visit_hidden_danger")
    with unit_of_work() as uow:
        danger = locked(uow.session, hidden_danger_id)
        require_for_unit(actor, "visit_hidden_danger", danger.unit_id)
        if not rules.hidden_danger_visitable(danger.status):
            raise Conflict(_("This hidden danger has erupted into an incident: follow it on the incident instead."),
                           current_status=danger.status, incident_id=danger.incident_id)
        before = danger.risk
        visit = HiddenDangerVisit(note=note.strip(), risk_before=before, risk_after=risk or before,
                                  unit_id=actor.unit_id, visited_by_id=actor.id,
                                  visited_by_name=actor.display_name, visited_at=utcnow())
        danger.visits.append(visit)
        danger.risk = visit.risk_after
        _touch(danger)
        uow.session.flush()
        uow.append_event("hidden_danger.visited", actor=actor, unit_id=danger.unit_id,
                         data={"visit": VisitSchema().dump(visit), "hidden_danger": snapshot(danger)})
        if danger.risk != before:
            uow.append_event("hidden_danger.risk_changed", actor=actor, unit_id=danger.unit_id,
                             data={"from": before, "to": danger.risk, "visit_id": visit.id,
                                   "hidden_danger": snapshot(danger)})
    return visit


def transition_hidden_danger(*, actor: User, hidden_danger_id: int, action: str,
                             note: str | None = None) -> HiddenDanger:
    """Command marks a hidden danger resolved, or reopens it."""
    permissions.require(actor, "move_hidden_danger")
    with unit_of_work() as uow:
        danger = locked(uow.session, hidden_danger_id)
        step = workflow.apply(HIDDEN_DANGER_TRANSITIONS, danger.status, action, actor.role)
        previous = danger.status
        danger.status = step.to
        _touch(danger)
        uow.append_event(step.event, actor=actor, unit_id=danger.unit_id,
                         data={"from": previous, "to": step.to, "note": note or "", "hidden_danger": snapshot(danger)})
    return danger


def mark_erupted(*, actor: User, danger: HiddenDanger, incident) -> HiddenDanger:
    """The (locked) hidden danger erupted into `incident`; promoting twice is refused naming the status.
    (The incident is registered in the same transaction by dispatch/coordination.py.)"""
    permissions.require(actor, "promote_hidden_danger")
    with unit_of_work() as uow:
        step = workflow.apply(HIDDEN_DANGER_TRANSITIONS, danger.status, "promote", actor.role)
        previous = danger.status
        danger.status = step.to
        danger.incident_id = incident.id
        _touch(danger)
        uow.append_event(step.event, actor=actor, incident=incident.id, unit_id=danger.unit_id,
                         data={"from": previous, "to": step.to, "hidden_danger": snapshot(danger),
                               "erupted_as": {"id": incident.id, "ref": incident.ref, "title": incident.title}})
    return danger


def check_may_promote(*, actor: User, danger: HiddenDanger) -> None:
    """Before the incident is registered: only an open hidden danger erupts (409 naming the status)."""
    workflow.apply(HIDDEN_DANGER_TRANSITIONS, danger.status, "promote", actor.role)


def raise_risk_for_person(*, actor: User, person_id: int, incident) -> list[HiddenDanger]:
    """A key person of an open hidden danger appeared as a representative on `incident`: its risk becomes high,
    by itself, and command is told (the event names the incident)."""
    with unit_of_work() as uow:
        dangers = list(uow.session.scalars(
            select(HiddenDanger)
            .where(HiddenDanger.status == "open", HiddenDanger.risk != "high",
                   HiddenDanger.id.in_(select(HiddenDangerPerson.hidden_danger_id)
                                       .where(HiddenDangerPerson.person_id == person_id)))
            .order_by(HiddenDanger.id).with_for_update().execution_options(populate_existing=True)))
        for danger in dangers:
            before = danger.risk
            danger.risk = "high"
            _touch(danger)
            uow.session.flush()
            uow.append_event("hidden_danger.risk_changed", actor=actor, incident=incident.id, unit_id=danger.unit_id,
                             data={"from": before, "to": "high", "hidden_danger": snapshot(danger),
                                   "person_id": person_id,
                                   "raised_by": {"id": incident.id, "ref": incident.ref, "title": incident.title}})
    return dangers
