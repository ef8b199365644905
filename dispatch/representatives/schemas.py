from __future__ import annotations

from marshmallow import Schema, fields


class RepresentativeSchema(Schema):
    """Numbers are always the masked forms: the full ones only leave through a reveal."""

    id = fields.Integer()
    person_id = fields.Integer()
    name = fields.Function(lambda r: r.person.name)
    id_number = fields.Function(lambda r: r.person.id_number_masked)
    phone = fields.Function(lambda r: r.person.phone_masked)
    note = fields.String()
    repeat_of = fields.Integer(attribute="repeat_of_id", allow_none=True)
