from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..db import utcnow
from ..facts import county

from ..schemas import FreeText, ID, LONG_TEXT, PageArgs, SHORT_TEXT, StrictSchema, Time, page_of
from .models import CATEGORIES, KINDS, LEVELS, STATUSES

HEADCOUNT = validate.Range(min=1, max=1_000_000)
# a report after the crowd has gone home says 0
HEADCOUNT_REPORTED = validate.Range(min=0, max=1_000_000)
ACTIONS = ("respond", "contain", "resolve", "close", "reopen")


# A clock a few minutes fast at the scene is not an error; an incident hours ahead is a typing slip.
FUTURE_TOLERANCE = timedelta(minutes=10)


class IncidentCreateSchema(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    title = fields.String(required=True, validate=SHORT_TEXT)
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    location = fields.String(required=True, validate=SHORT_TEXT)
    lat = county.latitude(allow_none=True)
    lng = county.longitude(allow_none=True)
    occurred_at = Time(required=True)
    headcount = fields.Integer(required=True, strict=True, validate=HEADCOUNT)
    demands = FreeText(required=True, validate=LONG_TEXT)
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))

    @validates_schema
    def _not_in_the_future(self, data, **kwargs):
        if data.get("occurred_at") is not None and data["occurred_at"] > utcnow() + FUTURE_TOLERANCE:
            raise ValidationError(_("The time it happened is in the future: check the date and time."), "occurred_at")


class IncidentUpdateSchema(StrictSchema):
    version = fields.Integer(required=True, strict=True, validate=ID)
    title = fields.String(validate=SHORT_TEXT)
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    location = fields.String(validate=SHORT_TEXT)
    lat = county.latitude(allow_none=True)
    lng = county.longitude(allow_none=True)
    headcount = fields.Integer(strict=True, validate=HEADCOUNT)
    demands = FreeText(validate=LONG_TEXT)
    level = fields.String(validate=validate.OneOf(LEVELS))

    @validates_schema
    def _something_to_change(self, data, **kwargs):
        if len(data) == 1 and "version" in data:
            raise ValidationError(_("Nothing to change: send at least one field besides the version."), "_schema")


class IncidentTransitionSchema(StrictSchema):
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    note = FreeText(validate=LONG_TEXT)


class HeadcountReportSchema(StrictSchema):
    headcount = fields.Integer(required=True, strict=True, validate=HEADCOUNT_REPORTED)
    note = FreeText(validate=LONG_TEXT)


class IncidentFilterSchema(PageArgs):
    # "active": still being worked; "on_board": active, or with open tasks that are overdue or escalated
    status = fields.String(validate=validate.OneOf(STATUSES + ("active", "on_board")))
    level = fields.String(validate=validate.OneOf(LEVELS))
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    kind = fields.String(validate=validate.OneOf(KINDS))
    q = fields.String(validate=validate.Length(max=200))
    unit_id = fields.Integer(validate=ID)
    repeat = fields.Boolean()


class IncidentExportArgs(IncidentFilterSchema):
    """The list's filters; the whole register (up to the export's limit), not a page."""

    limit = fields.Integer(load_default=5000, validate=validate.Range(min=1, max=5000))


class HeadcountEntrySchema(Schema):
    headcount = fields.Integer()
    at = Time()


class IncidentSchema(Schema):
    id = fields.Integer()
    ref = fields.String()
    kind = fields.String()
    title = fields.String()
    category = fields.String()
    location = fields.String()
    lat = fields.Float(allow_none=True)
    lng = fields.Float(allow_none=True)
    occurred_at = Time()
    headcount = fields.Integer()
    peak_headcount = fields.Integer()
    headcount_history = fields.List(fields.Nested(HeadcountEntrySchema))
    demands = fields.String()
    level = fields.String()
    status = fields.String()
    repeat_of = fields.Integer(attribute="repeat_of_id", allow_none=True)
    hidden_danger_id = fields.Integer(allow_none=True)
    version = fields.Integer()
    created_at = Time()
    updated_at = Time()


class IncidentListItemSchema(IncidentSchema):
    """The board's row: the incident and what is still open on it."""

    open_tasks = fields.Integer()
    overdue_tasks = fields.Integer()
    escalated_tasks = fields.Integer()
    unacknowledged_instructions = fields.Integer()


IncidentListSchema = page_of(IncidentListItemSchema)


class IncidentDetailSchema(IncidentListItemSchema):
    """One incident with what hangs off it (API.md: representatives, tasks, instructions)."""

    representatives = fields.List(fields.Dict())
    tasks = fields.List(fields.Dict())
    instructions = fields.List(fields.Dict())
    # the attachments the viewer may see (a task's evidence: command, leaders and the task's units)
    attachments = fields.List(fields.Dict())
    meetings = fields.List(fields.Dict())
    commitments = fields.List(fields.Dict())


class TimelineSchema(Schema):
    items = fields.List(fields.Dict())
    total = fields.Integer()
