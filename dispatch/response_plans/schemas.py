"""What comes in to the response plan endpoints and what goes out."""
from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..schemas import FreeText, ID, LONG_TEXT, SHORT_TEXT, PageArgs, StrictSchema, Time, page_of
from .models import CATEGORIES, LEVELS, PRIORITIES

# from a few minutes (on the scene) to a month (a settlement to work out)
DUE_IN_MINUTES = validate.Range(min=1, max=30 * 24 * 60)
MAX_TASKS = 30


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError(_("Required: must not be blank."))


class PlanTaskSchema(StrictSchema):
    unit_id = fields.Integer(required=True, strict=True, validate=ID)
    co_unit_ids = fields.List(fields.Integer(strict=True, validate=ID), load_default=list,
                              validate=validate.Length(max=20))
    title = fields.String(required=True, validate=[SHORT_TEXT, _not_blank])
    instructions = FreeText(load_default="", validate=LONG_TEXT)
    priority = fields.String(load_default="normal", validate=validate.OneOf(PRIORITIES))
    due_in_minutes = fields.Integer(required=True, strict=True, validate=DUE_IN_MINUTES)

    @validates_schema
    def _lead_not_co_handling(self, data, **kwargs):
        if data.get("unit_id") in (data.get("co_unit_ids") or []):
            raise ValidationError(_("The lead unit cannot also be a co-handling unit: take it off the co-handling "
                                    "units."), "co_unit_ids")


class ResponsePlanInSchema(StrictSchema):
    name = fields.String(required=True, validate=[SHORT_TEXT, _not_blank])
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    levels = fields.List(fields.String(validate=validate.OneOf(LEVELS)), required=True,
                         validate=validate.Length(min=1, max=len(LEVELS)))
    tasks = fields.List(fields.Nested(PlanTaskSchema), required=True, validate=validate.Length(min=1, max=MAX_TASKS))
    # optional on a change: the version the editor started from (a stale one is refused)
    version = fields.Integer(strict=True, validate=ID)

    @validates_schema
    def _each_level_once(self, data, **kwargs):
        levels = data.get("levels") or []
        if len(set(levels)) != len(levels):
            raise ValidationError(_("A level is listed twice: list each level once."), "levels")


class ResponsePlanFilterSchema(PageArgs):
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    level = fields.String(validate=validate.OneOf(LEVELS))
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=500))


class PlanTaskOutSchema(Schema):
    id = fields.Integer()
    unit_id = fields.Integer()
    co_unit_ids = fields.List(fields.Integer())
    title = fields.String()
    instructions = fields.String()
    priority = fields.String()
    due_in_minutes = fields.Integer()


class ResponsePlanSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    category = fields.String()
    levels = fields.List(fields.String())
    tasks = fields.List(fields.Nested(PlanTaskOutSchema))
    version = fields.Integer()
    created_at = Time()
    updated_at = Time()


ResponsePlanPageSchema = page_of(ResponsePlanSchema)
