"""What comes in to the review endpoints and what goes out."""
from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate

from ..schemas import ID, DeadlineAhead, FreeText, StrictSchema, Time
from .models import KEY_TIMES

TEXT_LIMIT = 20000
MAX_IMPROVEMENTS = 30


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError(_("Required: must not be blank."))


class ImprovementInSchema(DeadlineAhead):
    text = FreeText(required=True, validate=[validate.Length(min=1, max=2000), _not_blank])
    unit_id = fields.Integer(required=True, strict=True, validate=ID)
    due_at = Time(required=True)


class ReviewInSchema(StrictSchema):
    summary = FreeText(required=True, validate=[validate.Length(min=1, max=TEXT_LIMIT), _not_blank])
    lessons = FreeText(required=True, validate=[validate.Length(min=1, max=TEXT_LIMIT), _not_blank])
    improvements = fields.List(fields.Nested(ImprovementInSchema), load_default=list,
                               validate=validate.Length(max=MAX_IMPROVEMENTS))


class ImprovementSchema(Schema):
    id = fields.Integer()
    text = fields.String()
    unit_id = fields.Integer()
    due_at = Time()
    task_id = fields.Integer()


class ReviewSchema(Schema):
    id = fields.Integer()
    incident_id = fields.Integer()
    summary = fields.String()
    lessons = fields.String()
    key_times = fields.Dict(metadata={"properties": {name: {"type": "string", "format": "date-time", "nullable": True}
                                                     for name in KEY_TIMES}})
    improvements = fields.List(fields.Nested(ImprovementSchema))
    recorded_by_id = fields.Integer(allow_none=True)
    recorded_by_name = fields.String()
    recorded_at = Time()
    page_url = fields.Function(lambda review: f"/incidents/{review.incident_id}/review", metadata={"type": "string"})
    pdf_url = fields.Function(lambda review: f"/api/incidents/{review.incident_id}/review.pdf",
                              metadata={"type": "string"})
