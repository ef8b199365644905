from __future__ import annotations

from marshmallow import Schema, fields

from ..schemas import Time


class AddresseeSchema(Schema):
    unit_id = fields.Integer()
    acknowledged_at = Time(allow_none=True)
    acknowledged_by_id = fields.Integer(allow_none=True)


class InstructionSchema(Schema):
    id = fields.Integer()
    incident_id = fields.Integer()
    text = fields.String()
    issued_by_id = fields.Integer(allow_none=True)
    issued_at = Time()
    addressees = fields.List(fields.Nested(AddresseeSchema))
