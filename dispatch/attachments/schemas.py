"""What comes in with an upload (besides the file) and what goes out about an attachment."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..schemas import FreeText, ID, StrictSchema, Time


class AttachmentFormSchema(StrictSchema):
    """The form beside the file; `file` is here for the OpenAPI document only (the view reads the upload itself
    as a stream, and a `file` sent as text, not a file, is no upload)."""

    file = fields.Raw(load_only=True, metadata={"type": "string", "format": "binary",
                                                "description": "a photo, PDF or office document"})
    task_id = fields.Integer(validate=ID)
    meeting_id = fields.Integer(validate=ID)
    note = FreeText(validate=validate.Length(max=2000))


class AttachmentSchema(Schema):
    id = fields.Integer()
    incident_id = fields.Integer()
    task_id = fields.Integer(allow_none=True)
    meeting_id = fields.Integer(allow_none=True)
    name = fields.String()
    size = fields.Integer()
    content_type = fields.String()
    sha256 = fields.String()
    note = fields.String()
    uploaded_at = Time()
    uploaded_by = fields.Integer(attribute="uploaded_by_id", allow_none=True)
    uploaded_by_name = fields.String(allow_none=True)
    uploaded_by_unit_id = fields.Integer(allow_none=True)
    download_url = fields.Method("_download_url", metadata={"type": "string"})

    def _download_url(self, attachment) -> str:
        return f"/api/attachments/{attachment.id}"


class AttachmentListSchema(Schema):
    items = fields.List(fields.Nested(AttachmentSchema))
    total = fields.Integer()
