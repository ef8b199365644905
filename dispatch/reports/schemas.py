"""What comes in to the report endpoints and what goes out."""
from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..schemas import FreeText, StrictSchema, Time
from .models import KINDS

TEXT_LIMIT = 20000


class ReportCreateSchema(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    summary = FreeText(validate=validate.Length(max=TEXT_LIMIT))
    next_steps = FreeText(required=True, validate=validate.Length(min=1, max=TEXT_LIMIT))
    # a draft waits for a leader (or command) to sign it off; without it the report goes out at once
    draft = fields.Boolean(load_default=False)


class ReportEditSchema(StrictSchema):
    """A draft rewritten before it is signed off."""

    kind = fields.String(validate=validate.OneOf(KINDS))
    summary = FreeText(validate=validate.Length(max=TEXT_LIMIT))
    next_steps = FreeText(validate=validate.Length(min=1, max=TEXT_LIMIT))

    @validates_schema
    def _something_to_change(self, data, **kwargs):
        if not data:
            raise ValidationError(_("Nothing to change: send at least one field."), "_schema")


class ApproveSchema(StrictSchema):
    """Signing off: optionally the incident the leader means, so a report of another incident is never signed by
    mistake."""

    incident_id = fields.Integer(strict=True, validate=validate.Range(min=1, max=2**31 - 1))


class ReportLanguageArgs(StrictSchema):
    lang = fields.String(validate=validate.OneOf(("zh", "en")))


class ReportBriefSchema(Schema):
    """A report in a list: which one, when, and where to read it."""

    id = fields.Integer()
    incident_id = fields.Integer()
    kind = fields.String()
    status = fields.String()
    number = fields.Integer(allow_none=True)
    published_at = Time(allow_none=True)
    published_by_id = fields.Integer(allow_none=True)
    drafted_at = Time(allow_none=True)
    drafted_by_id = fields.Integer(allow_none=True)
    approved_by_id = fields.Integer(allow_none=True)
    drafted_by = fields.Method("_drafted_by", metadata={"type": "object", "nullable": True})
    approved_by = fields.Method("_approved_by", metadata={"type": "object", "nullable": True})
    page_url = fields.Function(lambda report: f"/reports/{report.id}", metadata={"type": "string"})
    pdf_url = fields.Function(lambda report: f"/api/reports/{report.id}.pdf", metadata={"type": "string"})

    @staticmethod
    def _signed(report, role: str):
        """{id, name, name_zh} of who drafted or approved it, as the content names them; None when nobody did."""
        user_id = getattr(report, f"{role}_id")
        signed = (report.content or {}).get(role)
        return {"id": user_id, **signed} if user_id is not None and signed else None

    def _drafted_by(self, report):
        return self._signed(report, "drafted_by")

    def _approved_by(self, report):
        return self._signed(report, "approved_by")


class ReportSchema(ReportBriefSchema):
    summary = fields.String()
    next_steps = fields.String()
    content = fields.Dict()


class ReportListSchema(Schema):
    items = fields.List(fields.Nested(ReportSchema))
    total = fields.Integer()
    # the kind the form proposes next: follow_up once an initial report is out
    next_kind = fields.String()
