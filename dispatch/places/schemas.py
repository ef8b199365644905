"""What comes in to the places endpoints and what goes out."""
from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..facts import county
from ..schemas import SHORT_TEXT, ImportCounts, ImportRowError, StrictSchema
from .models import KINDS


class PlaceInSchema(StrictSchema):
    name = fields.String(required=True, validate=SHORT_TEXT)
    name_zh = fields.String(validate=validate.Length(max=200))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    lat = county.latitude(required=True)
    lng = county.longitude(required=True)


class PlacePatchSchema(StrictSchema):
    name = fields.String(validate=SHORT_TEXT)
    name_zh = fields.String(validate=validate.Length(max=200))
    kind = fields.String(validate=validate.OneOf(KINDS))
    lat = county.latitude()
    lng = county.longitude()

    @validates_schema
    def _something_to_change(self, data, **kwargs):
        if not data:
            raise ValidationError(_("Nothing to change: send at least one field."), "_schema")


class PlaceSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    name_zh = fields.String()
    kind = fields.String()
    lat = fields.Float()
    lng = fields.Float()


class PlaceListSchema(Schema):
    items = fields.List(fields.Nested(PlaceSchema))
    total = fields.Integer()


class _PlaceChange(Schema):
    row = fields.Integer(metadata={"description": "as the spreadsheet shows it"})
    name = fields.String()
    action = fields.String(metadata={"description": "create or update"})
    fields_ = fields.List(fields.String(), data_key="fields", attribute="fields",
                          metadata={"description": "what an update changes"})


class PlaceImportResultSchema(Schema):
    places = fields.Nested(ImportCounts)
    changes = fields.List(fields.Nested(_PlaceChange), metadata={"description": "each place added or changed"})
    errors = fields.List(fields.Nested(ImportRowError))
