"""What comes in to the hidden danger endpoints and what goes out (key persons' numbers masked, always)."""
from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..facts import county, rules
from ..schemas import (FreeText, ID, LONG_TEXT, SHORT_TEXT, IdNumber, MaskedIdNumber, MaskedPhone, PageArgs, Phone,
                       StrictSchema, Time, page_of)
from .models import CATEGORIES, RISKS, STATUSES

PEOPLE = validate.Range(min=0, max=1_000_000)
MAX_PERSONS = 20
ACTIONS = ("resolve", "reopen")


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError(_("Required: must not be blank."))


class KeyPersonSchema(StrictSchema):
    name = fields.String(required=True, validate=[SHORT_TEXT, _not_blank])
    id_number = IdNumber(required=True)
    phone = Phone(allow_none=True)


class HiddenDangerCreateSchema(StrictSchema):
    title = fields.String(required=True, validate=[SHORT_TEXT, _not_blank])
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    location = fields.String(required=True, validate=[SHORT_TEXT, _not_blank])
    lat = county.latitude(allow_none=True)
    lng = county.longitude(allow_none=True)
    unit_id = fields.Integer(required=True, strict=True, validate=ID)
    people_affected = fields.Integer(required=True, strict=True, validate=PEOPLE)
    risk = fields.String(required=True, validate=validate.OneOf(RISKS))
    description = FreeText(required=True, validate=LONG_TEXT)
    persons = fields.List(fields.Nested(KeyPersonSchema), load_default=list,
                          validate=validate.Length(max=MAX_PERSONS))

    @validates_schema
    def _each_person_once(self, data, **kwargs):
        seen = set()
        for index, person in enumerate(data.get("persons") or []):
            if person["id_number"] in seen:
                raise ValidationError({"persons": {index: {"id_number": [
                    _("The same identity number is listed twice: list each key person once.")]}}})
            seen.add(person["id_number"])


class VisitCreateSchema(StrictSchema):
    note = FreeText(required=True, validate=[validate.Length(min=1, max=5000), _not_blank])
    risk = fields.String(validate=validate.OneOf(RISKS))


class HiddenDangerTransitionSchema(StrictSchema):
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    note = FreeText(validate=LONG_TEXT)


class HiddenDangerFilterSchema(PageArgs):
    status = fields.String(validate=validate.OneOf(STATUSES))
    risk = fields.String(validate=validate.OneOf(RISKS))
    unit_id = fields.Integer(validate=ID)
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    q = fields.String(validate=validate.Length(max=200))


class KeyPersonOutSchema(Schema):
    person_id = fields.Integer()
    name = fields.String()
    id_number = MaskedIdNumber(attribute="id_number_masked")
    phone = MaskedPhone(attribute="phone_masked", allow_none=True)


class VisitSchema(Schema):
    id = fields.Integer()
    hidden_danger_id = fields.Integer()
    note = fields.String()
    risk_before = fields.String()
    risk_after = fields.String()
    unit_id = fields.Integer(allow_none=True)
    visited_by_id = fields.Integer(allow_none=True)
    visited_by_name = fields.String()
    visited_at = Time()


class HiddenDangerSchema(Schema):
    id = fields.Integer()
    ref = fields.String()
    title = fields.String()
    category = fields.String()
    location = fields.String()
    lat = fields.Float(allow_none=True)
    lng = fields.Float(allow_none=True)
    unit_id = fields.Integer()
    people_affected = fields.Integer()
    risk = fields.String()
    description = fields.String()
    status = fields.String()
    incident_id = fields.Integer(allow_none=True)
    version = fields.Integer()
    persons = fields.List(fields.Nested(KeyPersonOutSchema))
    visit_count = fields.Method("_visit_count", metadata={"type": "integer"})
    last_visited_at = fields.Method("_last_visited_at", metadata={"type": "string", "format": "date-time",
                                                                  "nullable": True})
    created_at = Time()
    updated_at = Time()
    on_board = fields.Method("_on_board", metadata={"type": "boolean"})  # on the board's panel (facts/rules.py)
    visitable = fields.Method("_visitable", metadata={"type": "boolean"})

    def _visitable(self, danger) -> bool:
        return rules.hidden_danger_visitable(danger.status)

    def _on_board(self, danger) -> bool:
        return rules.hidden_danger_on_board(danger.status, danger.risk)

    def _visit_count(self, danger) -> int:
        return len(danger.visits)

    def _last_visited_at(self, danger):
        return Time()._serialize(danger.visits[-1].visited_at, None, None) if danger.visits else None


class HiddenDangerDetailSchema(HiddenDangerSchema):
    visits = fields.List(fields.Nested(VisitSchema))


HiddenDangerPageSchema = page_of(HiddenDangerSchema)
