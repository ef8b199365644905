"""What comes in to the meeting and commitment endpoints and what goes out."""
from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..db import utcnow
from ..labels import LABELS
from ..schemas import DeadlineAhead, FreeText, ID, LONG_TEXT, StrictSchema, Time

# The same tolerance as an incident's occurred_at: a clock a little ahead is not a typing slip.
FUTURE_TOLERANCE = timedelta(minutes=10)
PLACE = validate.Length(min=1, max=200)
NEEDED_TEXT = validate.Length(min=1, max=5000)


def _ids(minimum: int, error=None, **required):
    return fields.List(fields.Integer(strict=True, validate=ID),
                       validate=validate.Length(min=minimum, max=50, **({"error": error} if error else {})), **required)


class MeetingCreateSchema(StrictSchema):
    held_at = Time(required=True)
    place = fields.String(required=True, validate=PLACE)
    representative_ids = _ids(1, _l("Tick the representatives who were there: from {min} to {max}."), required=True)
    unit_ids = _ids(0, load_default=list)
    raised = FreeText(required=True, validate=NEEDED_TEXT)
    answered = FreeText(load_default="", validate=LONG_TEXT)

    @validates_schema
    def _not_in_the_future(self, data, **kwargs):
        if data.get("held_at") is not None and data["held_at"] > utcnow() + FUTURE_TOLERANCE:
            raise ValidationError(_("The meeting time is in the future: record a meeting once it has been held."),
                                  "held_at")


class CommitmentCreateSchema(DeadlineAhead):
    text = FreeText(required=True, validate=NEEDED_TEXT)
    unit_id = fields.Integer(required=True, strict=True, validate=ID)
    due_at = Time(required=True)
    priority = fields.String(load_default="high", validate=validate.OneOf(tuple(LABELS["priority"])))


class AttendeeSchema(Schema):
    """A representative present, by name only."""

    id = fields.Integer(attribute="representative_id")
    name = fields.String()


class MeetingSchema(Schema):
    id = fields.Integer()
    incident_id = fields.Integer()
    held_at = Time()
    place = fields.String()
    representatives = fields.List(fields.Nested(AttendeeSchema), attribute="attendees")
    representative_ids = fields.List(fields.Integer())
    unit_ids = fields.List(fields.Integer())
    raised = fields.String()
    answered = fields.String()
    recorded_by_id = fields.Integer(allow_none=True)
    recorded_at = Time()


class CommitmentSchema(Schema):
    id = fields.Integer()
    meeting_id = fields.Integer()
    incident_id = fields.Integer()
    text = fields.String()
    unit_id = fields.Integer()
    due_at = Time()
    task_id = fields.Integer()
    made_by_id = fields.Integer(allow_none=True)
    made_at = Time()


def _raw(kind: str, **extra):
    return fields.Raw(metadata={"type": kind, **extra})


class CommitmentOutSchema(Schema):
    """A commitment as read (already dumped by the read side): with its task's state and whether it was kept
    on time (the rule of facts/rules.py)."""

    id = _raw("integer")
    meeting_id = _raw("integer")
    incident_id = _raw("integer")
    text = _raw("string")
    unit_id = _raw("integer")
    due_at = _raw("string", format="date-time")
    task_id = _raw("integer")
    made_by_id = _raw("integer", nullable=True)
    made_at = _raw("string", format="date-time")
    task_status = _raw("string", nullable=True)
    done_at = _raw("string", format="date-time", nullable=True)
    kept = _raw("boolean", nullable=True)
    overdue = _raw("boolean")
    overdue_at = _raw("string", format="date-time", nullable=True)
    due_soon_at = _raw("string", format="date-time", nullable=True)
    late_at = _raw("string", format="date-time", nullable=True)
    kept_state = _raw("string")


class MeetingOutSchema(Schema):
    id = _raw("integer")
    incident_id = _raw("integer")
    held_at = _raw("string", format="date-time")
    place = _raw("string")
    representatives = _raw("array", items={"type": "object"})
    representative_ids = _raw("array", items={"type": "integer"})
    unit_ids = _raw("array", items={"type": "integer"})
    raised = _raw("string")
    answered = _raw("string")
    recorded_by_id = _raw("integer", nullable=True)
    recorded_at = _raw("string", format="date-time")
    commitments = fields.List(fields.Nested(CommitmentOutSchema))


class MeetingListSchema(Schema):
    items = fields.List(fields.Nested(MeetingOutSchema))
    total = fields.Integer()
