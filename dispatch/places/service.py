"""The county's places: everyone reads them (the forms offer them, the map pins them); the administrator keeps them."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..auth import permissions
from ..auth.models import User
from ..db import db
from ..errors import found
from ..events import unit_of_work
from .models import Place
from .schemas import PlaceSchema


def list_places(*, actor: User) -> list[Place]:
    """Townships first, then villages, offices and squares, each by name."""
    permissions.require_user(actor)
    return list(db.session.scalars(select(Place).order_by(Place.kind, Place.name, Place.id)))


def create_place(*, actor: User, data: dict[str, Any]) -> Place:
    """The administrator adds a place; every open form offers it from the next load."""
    permissions.require(actor, "administer")
    with unit_of_work() as uow:
        place = Place(**{"name_zh": "", **data})
        uow.session.add(place)
        uow.session.flush()
        uow.append_event("place.saved", actor=actor, data={"place": PlaceSchema().dump(place)})
    return place


def update_place(*, actor: User, place_id: int, data: dict[str, Any]) -> Place:
    permissions.require(actor, "administer")
    with unit_of_work() as uow:
        place = found(uow.session.get(Place, place_id, with_for_update=True), "place")
        for name, value in data.items():
            setattr(place, name, value)
        uow.append_event("place.saved", actor=actor, data={"place": PlaceSchema().dump(place)})
    return place


def delete_place(*, actor: User, place_id: int) -> None:
    """Incidents keep their own coordinates: removing a place moves nothing already recorded."""
    permissions.require(actor, "administer")
    with unit_of_work() as uow:
        place = found(uow.session.get(Place, place_id, with_for_update=True), "place")
        uow.append_event("place.deleted", actor=actor, data={"place": PlaceSchema().dump(place)})
        uow.session.delete(place)
