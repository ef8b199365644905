"""The county's places imported from a workbook (a sheet `places`): all or nothing, every bad row named.

A row is matched to a place by its English name (places have no code): a new
name adds a place, a known one changes what its row fills in (an empty cell
keeps the value). Every row goes through the checks of the form
(PlaceInSchema, PlacePatchSchema: WGS 84 and the county's box included) inside
one transaction that a dry run, or any bad row, rolls back. Each place added or
changed appends `place.saved`, as the form does.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select

from ..auth import permissions
from ..auth.models import User
from ..errors import DispatchError, Invalid, flatten_messages
from ..events import unit_of_work
from ..labels import LABELS
from ..workbook import ImportRefused, RolledBack, RowError, Rows, Sheet, refusals
from .models import KINDS, Place
from .schemas import PlaceInSchema, PlacePatchSchema, PlaceSchema

SHEET = Sheet("places", ("name", "name_zh", "kind", "lat", "lng"), required=("name",), numbers=("lat", "lng"))
FIELDS = ("name_zh", "kind", "lat", "lng")


@dataclass
class Outcome:
    counts: dict[str, int] = field(default_factory=lambda: {"create": 0, "update": 0})
    changes: list[dict] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def body(self) -> dict:
        return {"places": self.counts, "changes": self.changes, "errors": [error.as_dict() for error in self.errors]}


def _kinds() -> dict[str, str]:
    """A kind as written in the sheet: its code, or its name in either language (乡镇, Village, ...)."""
    words = {kind: kind for kind in KINDS}
    for locale in ("en", "zh"):
        with force_locale(locale):
            words.update({str(text).strip().lower(): kind for kind, text in LABELS["place_kind"].items()})
    return words


def _checked(schema, data: dict[str, Any]) -> dict[str, Any]:
    try:
        return schema.load(data)
    except ValidationError as refusal:
        raise Invalid(_("This row is not right."), fields=flatten_messages(refusal.messages)) from None


def _row(session, values: dict[str, Any], known: dict[str, list[Place]], seen: set[str], kinds: dict[str, str]):
    """The place of one row, added or changed; whether new; the fields changed."""
    name = values.get("name")
    if not name:
        raise Invalid(_("A place needs its name."), fields={"name": [_("Required: fill this in.")]})
    if name in seen:
        raise Invalid(_("This place is on an earlier row already."), fields={"name": [_("Listed twice.")]})
    seen.add(name)
    data = {key: value for key, value in values.items() if value is not None}
    if "kind" in data:
        data["kind"] = kinds.get(str(data["kind"]).lower(), data["kind"])
    places = known.get(name, [])
    if len(places) > 1:
        raise Invalid(_("Several places have this name."), fields={"name": [
            _("Several places are named so already: give them different names first, then import.")]})
    if not places:
        place = Place(**{"name_zh": "", **_checked(PlaceInSchema(), data)})
        session.add(place)
        session.flush()
        known[name] = [place]
        return place, True, []
    place = places[0]
    wanted = _checked(PlacePatchSchema(), data)
    changed = [key for key in FIELDS if key in wanted and getattr(place, key) != wanted[key]]
    for key in changed:
        setattr(place, key, wanted[key])
    return place, False, changed


def _apply(uow, actor: User, rows, outcome: Outcome) -> None:
    session, seen, kinds = uow.session, set(), _kinds()
    unreadable = {(error.row, error.field) for error in outcome.errors}  # a cell the reader refused: named once
    known: dict[str, list[Place]] = {}
    for place in session.scalars(select(Place).order_by(Place.id)):
        known.setdefault(place.name, []).append(place)
    for number, values in rows:
        try:
            place, is_new, changed = _row(session, values, known, seen, kinds)
        except DispatchError as refusal:
            outcome.errors.extend(error for error in refusals(SHEET.name, number, refusal)
                                  if (error.row, error.field) not in unreadable)
            continue
        if not is_new and not changed:
            continue
        outcome.counts["create" if is_new else "update"] += 1
        outcome.changes.append({"row": number, "name": place.name, "action": "create" if is_new else "update",
                                "fields": changed})
        uow.append_event("place.saved", actor=actor, data={"place": PlaceSchema().dump(place)})


def import_places(*, actor: User, rows: Rows, dry_run: bool) -> Outcome:
    """The administrator loads the county's places from a workbook: a dry run says which would be added and
    changed; otherwise all of it is stored, or (any bad row) none of it. Every open form offers them from the next
    load, and every screen sees `place.saved` for each."""
    permissions.require(actor, "administer")
    outcome = Outcome(errors=list(rows.errors))
    try:
        with unit_of_work() as uow:
            _apply(uow, actor, rows.rows.get(SHEET.name, []), outcome)
            if outcome.errors or dry_run:
                raise RolledBack
    except RolledBack:
        pass
    if outcome.errors and not dry_run:
        raise ImportRefused(outcome.errors)
    return outcome


def notes() -> list[tuple[str, str, str]]:
    """The template's sheet of notes, in the requester's language."""
    return [
        ("sheet", "column", _("What it holds")),
        ("places", "name", _("Required. The place's name in English; a name already known updates that place.")),
        ("places", "name_zh", _("The name in Chinese.")),
        ("places", "kind", _("One of: {choices} (required for a new place).").format(choices=", ".join(KINDS))),
        ("places", "lat", _("Latitude, WGS 84, in decimal degrees (e.g. 30.2712); within the county.")),
        ("places", "lng", _("Longitude, WGS 84, in decimal degrees (e.g. 120.1535); within the county.")),
        ("", "", _("No formulas; one row per place; an empty cell keeps what a known place has.")),
    ]
