"""Representatives of a group and the persons behind them.

A person is one row per identity number, found by its keyed hash; a
representative links a person to an incident. When the same person already
stood for an earlier incident, the two are linked (a repeat petition).
"Earlier" means the incident occurred earlier, so backfilling an old incident
never marks it a repeat of a newer one.

Locks, always in this order so concurrent writers cannot deadlock: the person,
then the incidents involved in id order.

The incidents themselves belong to another area: every function that needs
them is handed them (`incidents`: their rows by id, and the snapshot an event
carries) by its caller above the areas (dispatch/coordination.py for writes,
dispatch/board/service.py for reads), so the areas never import one another.
Rows cannot be fetched beforehand: which incidents are involved is known only
once the person is locked, and a snapshot is taken after the relinking.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .. import personal_data
from ..auth import permissions
from ..auth.models import User
from ..db import db, utcnow
from ..errors import HTTP_MESSAGES, MISSING, Conflict, Invalid, NotFound, found
from ..events import unit_of_work
from .models import Person, Representative
from .schemas import PersonBriefSchema, RepresentativeSchema

# How many earlier incidents a representative carries for display; repeat_of lists them all.
EARLIER_SHOWN = 5


class Incidents(Protocol):
    """What this area needs of incidents: rows by id (id, ref, title, kind, status, level, occurred_at and a
    settable repeat_of_id), locked in id order when asked, and the snapshot an event carries."""

    def rows(self, session, ids: set[int], *, lock: bool = False) -> dict[int, Any]: ...

    def snapshot(self, incident) -> dict[str, Any]: ...


@dataclass
class Listed:
    """A representative with the person's earlier incidents, newest first."""

    representative: Representative
    earlier: list[Any] = field(default_factory=list)  # incidents

    @property
    def repeat_of(self) -> list[int]:
        return [incident.id for incident in self.earlier]

    @property
    def repeat_count(self) -> int:
        return len(self.earlier)

    @property
    def earlier_incidents(self) -> list[Any]:
        return self.earlier[:EARLIER_SHOWN]


class PersonRecord:
    """A person with every incident they took part in, newest first (reads as the person too)."""

    def __init__(self, person: Person, incidents: list[dict[str, Any]]):
        self.person = person
        self.incidents = incidents

    @property
    def incident_count(self) -> int:
        return len(self.incidents)

    def __getattr__(self, name):
        return getattr(self.person, name)


def _occurrence(incident) -> tuple:
    return (incident.occurred_at, incident.id)


def _active(query):
    return query.where(Representative.removed_at.is_(None))


# --- reading ----------------------------------------------------------------

def _listed(session, representatives: list[Representative], incidents: Incidents) -> list[Listed]:
    """Attach each representative's earlier incidents, in one query each for the links and the incidents."""
    person_ids = {r.person_id for r in representatives}
    links = session.execute(_active(
        select(Representative.person_id, Representative.incident_id).where(Representative.person_id.in_(person_ids))
    )).all() if person_ids else []
    rows = incidents.rows(session, {i for _, i in links} | {r.incident_id for r in representatives})
    result = []
    for representative in representatives:
        own = rows[representative.incident_id]
        earlier = [rows[incident_id] for person_id, incident_id in links
                   if person_id == representative.person_id and _occurrence(rows[incident_id]) < _occurrence(own)]
        result.append(Listed(representative, sorted(earlier, key=_occurrence, reverse=True)))
    return result


def _on_incident(session, incident_id: int) -> list[Representative]:
    return list(session.scalars(_active(
        select(Representative).where(Representative.incident_id == incident_id).order_by(Representative.id))))


def names_on_incident(session, incident_id: int) -> dict[int, str]:
    """The incident's present representatives by id, names only (a meeting records who attended)."""
    return {r.id: r.person.name for r in _on_incident(session, incident_id)}


def _require_incident(session, incident_id: int, incidents: Incidents) -> None:
    if incident_id not in incidents.rows(session, {incident_id}):
        raise NotFound(str(MISSING["incident"]))


def list_representatives(*, actor: User, incident_id: int, incidents: Incidents) -> list[Listed]:
    """Everyone signed in sees an incident's representatives, numbers masked."""
    permissions.require_user(actor)
    _require_incident(db.session, incident_id, incidents)
    return _listed(db.session, _on_incident(db.session, incident_id), incidents)


def dump_for_incident(*, actor: User, incident_id: int, incidents: Incidents) -> list[dict]:
    """The incident detail's representatives (masked, with their earlier visits)."""
    permissions.require_user(actor)
    return RepresentativeSchema(many=True).dump(_listed(db.session, _on_incident(db.session, incident_id), incidents))


# --- linking repeat petitions ------------------------------------------------

def _lock_incidents(session, incident_ids: set[int], incidents: Incidents) -> dict[int, Any]:
    return incidents.rows(session, incident_ids, lock=True)


def _person_incident_ids(session, person_id: int) -> set[int]:
    return set(session.scalars(_active(
        select(Representative.incident_id).where(Representative.person_id == person_id))))


def _relink(session, person_id: int, locked: dict[int, Any], incidents: Incidents) -> list[Any]:
    """Each of the person's links points at their previous incident; each incident at its latest earlier one.

    `locked` are the locked incidents the change touches; returns those whose link changed.
    """
    links = list(session.scalars(_active(select(Representative).where(Representative.person_id == person_id))))
    occurred = incidents.rows(session, {link.incident_id for link in links})
    previous = None
    for representative in sorted(links, key=lambda link: _occurrence(occurred[link.incident_id])):
        representative.repeat_of_id = previous
        previous = representative.incident_id
    session.flush()
    changed = []
    for incident in locked.values():
        targets = set(session.scalars(_active(select(Representative.repeat_of_id).where(
            Representative.incident_id == incident.id, Representative.repeat_of_id.is_not(None)))))
        earlier = incidents.rows(session, targets)
        latest = max(earlier.values(), key=_occurrence).id if earlier else None
        if incident.repeat_of_id != latest:
            incident.repeat_of_id = latest
            changed.append(incident)
    return changed


def _event_data(listed: Listed, incident, relinked: list, incidents: Incidents) -> dict[str, Any]:
    """What a screen needs: the masked representative, whether it is a repeat, the incidents relinked."""
    dumped = RepresentativeSchema().dump(listed)
    return {
        "representative": dumped,
        "repeat": bool(listed.earlier),
        "repeat_of": dumped["repeat_of"],
        "repeat_count": dumped["repeat_count"],
        "incident": incidents.snapshot(incident),
        "relinked": [incidents.snapshot(other) for other in relinked if other.id != incident.id],
    }


# --- writing ----------------------------------------------------------------

def _insert_for(session):
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _sealed(seal, data: dict[str, Any], name: str):
    """Seal one field; a caller that skipped the schema still gets a 422 naming it."""
    try:
        return seal(data[name])
    except personal_data.InvalidPersonalData as error:
        raise Invalid(str(HTTP_MESSAGES[422]), fields={name: [str(error)]}) from None


def _person_for_update(session, data: dict[str, Any]) -> Person:
    """The person with this identity number, created if new, locked; the latest details kept."""
    number = _sealed(personal_data.seal_id_number, data, "id_number")
    session.execute(_insert_for(session)(Person).values(
        name=data["name"], id_number_encrypted=number.encrypted, id_number_hash=number.lookup_hash,
        id_number_masked=number.masked, created_at=utcnow(),
    ).on_conflict_do_nothing(index_elements=["id_number_hash"]))
    person = session.scalar(select(Person).where(Person.id_number_hash == number.lookup_hash)
                            .with_for_update().execution_options(populate_existing=True))
    person.name = data["name"]
    if data.get("phone"):
        phone = _sealed(personal_data.seal_phone, data, "phone")
        person.phone_encrypted, person.phone_masked = phone.encrypted, phone.masked
    if data.get("address"):
        person.address_encrypted = personal_data.seal_text(data["address"], field="address")
    return person


def person_for(session, data: dict[str, Any]) -> Person:
    """The one person with this identity number (found by keyed hash, created if new, locked), for another area
    that keeps persons (a hidden danger's key persons, through dispatch/coordination.py): the same person
    links across areas."""
    return _person_for_update(session, data)


def _check_room(active: list[Representative], person: Person, incident) -> None:
    for representative in active:
        if representative.person_id == person.id:
            raise Conflict(_("This person is already a representative of this incident: no need to record them "
                             "again."),
                           current_status=incident.status, representative_id=representative.id)
    cap = current_app.config["MAX_REPRESENTATIVES"]
    if len(active) >= cap:
        raise Invalid(_("An incident has at most {n} representatives: remove one before recording another.")
                      .format(n=cap), max_representatives=cap,
                      fields={"representatives": [_("At most {n} per incident.").format(n=cap)]})


def add_representative(*, actor: User, incident_id: int, data: dict[str, Any], incidents: Incidents) -> Listed:
    """Command records a group's representative; a person seen on an earlier incident marks a repeat petition."""
    permissions.require(actor, "record_representative")
    with unit_of_work() as uow:
        session = uow.session
        person = _person_for_update(session, data)
        locked = _lock_incidents(session, {incident_id} | _person_incident_ids(session, person.id), incidents)
        found(locked.get(incident_id), "incident")
        incident = locked[incident_id]
        _check_room(_on_incident(session, incident_id), person, incident)
        representative = Representative(incident_id=incident_id, person_id=person.id,
                                        note=data.get("note") or "", added_at=utcnow())
        session.add(representative)
        session.flush()
        relinked = _relink(session, person.id, locked, incidents)
        listed = _listed(session, [representative], incidents)[0]
        uow.append_event("representative.added", actor=actor, incident=incident,
                         data=_event_data(listed, incident, relinked, incidents))
    return listed


def remove_representative(*, actor: User, representative_id: int, incidents: Incidents) -> None:
    """Command takes a representative off the incident; the person stays, the log keeps the fact."""
    permissions.require(actor, "record_representative")
    with unit_of_work() as uow:
        session = uow.session
        listed_now = session.get(Representative, representative_id)
        if listed_now is None or listed_now.removed_at is not None:
            raise NotFound(str(MISSING["representative"]))
        session.scalar(select(Person).where(Person.id == listed_now.person_id).with_for_update())
        locked = _lock_incidents(session, {listed_now.incident_id} | _person_incident_ids(session, listed_now.person_id),
                                 incidents)
        representative = session.scalar(select(Representative).where(Representative.id == representative_id)
                                        .execution_options(populate_existing=True))
        if representative.removed_at is not None:  # someone else removed it while we waited
            raise NotFound(str(MISSING["representative"]))
        representative.removed_at = utcnow()
        listed = _listed(session, [representative], incidents)[0]
        session.flush()
        relinked = _relink(session, representative.person_id, locked, incidents)
        incident = locked[representative.incident_id]
        uow.append_event("representative.removed", actor=actor, incident=incident,
                         data=_event_data(listed, incident, relinked, incidents))


# --- persons (command only) ---------------------------------------------------

def _record(session, person: Person, incidents: Incidents) -> PersonRecord:
    links = list(session.scalars(_active(select(Representative).where(Representative.person_id == person.id))))
    rows = incidents.rows(session, {link.incident_id for link in links})
    links.sort(key=lambda link: _occurrence(rows[link.incident_id]), reverse=True)
    return PersonRecord(person, [
        {"id": incident.id, "ref": incident.ref, "title": incident.title, "kind": incident.kind,
         "status": incident.status, "level": incident.level, "occurred_at": incident.occurred_at,
         "representative_id": link.id, "note": link.note, "added_at": link.added_at}
        for link in links for incident in [rows[link.incident_id]]])


def _require_person(session, person_id: int) -> Person:
    return found(session.get(Person, person_id), "person")


def find_persons(*, actor: User, id_number: str, incidents: Incidents) -> list[PersonRecord]:
    """Command looks a person up by identity number: one keyed-hash match, nothing decrypted."""
    permissions.require(actor, "look_up_persons")
    digest = _sealed(personal_data.lookup_hash, {"id_number": id_number}, "id_number")
    person = db.session.scalar(select(Person).where(Person.id_number_hash == digest))
    return [_record(db.session, person, incidents)] if person is not None else []


def get_person(*, actor: User, person_id: int, incidents: Incidents) -> PersonRecord:
    """Command sees one person (masked) and every incident they took part in, newest first."""
    permissions.require(actor, "look_up_persons")
    return _record(db.session, _require_person(db.session, person_id), incidents)


def reveal_person(*, actor: User, person_id: int, reason: str,
                  incident_id: int | None = None) -> dict[str, str | None]:
    """Command sees one person's full numbers, for a stated reason; everyone sees that it happened
    (on that incident's timeline too, when the reveal was made from one the person took part in)."""
    permissions.require(actor, "reveal_person")
    with unit_of_work() as uow:
        person = _require_person(uow.session, person_id)
        if incident_id is not None and uow.session.scalar(
                select(Representative.id).where(Representative.person_id == person.id,
                                                Representative.incident_id == incident_id).limit(1)) is None:
            raise Invalid(_("This person is not a representative on that incident: reveal from one of their own "
                            "incidents."), fields={"incident_id": [_("Not an incident of this person.")]})
        revealed = {
            "id_number": personal_data.decrypt(person.id_number_encrypted, field="id_number"),
            "phone": personal_data.decrypt(person.phone_encrypted, field="phone") if person.phone_encrypted else None,
            "address": (personal_data.decrypt(person.address_encrypted, field="address")
                        if person.address_encrypted else None),
        }
        uow.append_event("person.revealed", actor=actor, incident=incident_id,
                         data={"person": PersonBriefSchema().dump(person), "reason": reason.strip()})
    return revealed
