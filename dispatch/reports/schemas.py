"""What comes in to the report endpoints and what goes out."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..schemas import FreeText, StrictSchema, Time
from .models import KINDS

TEXT_LIMIT = 20000


class ReportCreateSchema(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    summary = FreeText(validate=validate.Length(max=TEXT_LIMIT))
    next_steps = FreeText(required=True, validate=validate.Length(min=1, max=TEXT_LIMIT))


class ReportLanguageArgs(StrictSchema):
    lang = fields.String(validate=validate.OneOf(("zh", "en")))


class ReportBriefSchema(Schema):
    """A report in a list: which one, when, and where to read it."""

    id = fields.Integer()
    incident_id = fields.Integer()
    kind = fields.String()
    number = fields.Integer()
    published_at = Time()
    published_by_id = fields.Integer(allow_none=True)
    page_url = fields.Function(lambda report: f"/reports/{report.id}", metadata={"type": "string"})
    pdf_url = fields.Function(lambda report: f"/api/reports/{report.id}.pdf", metadata={"type": "string"})


class ReportSchema(ReportBriefSchema):
    summary = fields.String()
    next_steps = fields.String()
    content = fields.Dict()


class ReportListSchema(Schema):
    items = fields.List(fields.Nested(ReportSchema))
    total = fields.Integer()
