"""Representatives and persons in and out.

In: identity numbers and phones are validated and normalized by
`personal_data`. Out: numbers are only ever the masked forms, for every role;
the full ones leave through `RevealedSchema` alone.
"""
from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate

from ..schemas import (FreeText, ID, SHORT_TEXT, IdNumber, MaskedIdNumber, MaskedPhone, PageArgs, Phone, StrictSchema,
                       Time, page_of)

NOTE = validate.Length(max=500)
ADDRESS = validate.Length(max=500)
REASON = validate.Length(max=500)


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError(_("Required: must not be blank."))


class RepresentativeCreateSchema(StrictSchema):
    name = fields.String(required=True, validate=[SHORT_TEXT, _not_blank])
    id_number = IdNumber(required=True)
    phone = Phone(allow_none=True)
    address = fields.String(allow_none=True, validate=ADDRESS)
    note = FreeText(load_default="", validate=NOTE)


class PersonLookupArgs(PageArgs):
    id_number = IdNumber(required=True)


class RevealSchema(StrictSchema):
    reason = FreeText(required=True, validate=[REASON, _not_blank])
    # the incident whose screen the reveal was made from: the trace then shows on its timeline
    incident_id = fields.Integer(strict=True, validate=ID)


class IncidentBriefSchema(Schema):
    id = fields.Integer()
    ref = fields.String()
    title = fields.String()


class RepresentativeSchema(Schema):
    """A representative (a `service.Listed`): the person's numbers masked, the earlier visits linked."""

    id = fields.Integer(attribute="representative.id")
    incident_id = fields.Integer(attribute="representative.incident_id")
    person_id = fields.Integer(attribute="representative.person_id")
    name = fields.String(attribute="representative.person.name")
    id_number = MaskedIdNumber(attribute="representative.person.id_number_masked")
    phone = MaskedPhone(attribute="representative.person.phone_masked", allow_none=True)
    note = fields.String(attribute="representative.note")
    added_at = Time(attribute="representative.added_at")
    repeat_of = fields.List(fields.Integer())
    repeat_count = fields.Integer()
    earlier_incidents = fields.List(fields.Nested(IncidentBriefSchema))


RepresentativePageSchema = page_of(RepresentativeSchema)


class PersonIncidentSchema(IncidentBriefSchema):
    """One incident the person took part in, with their part in it."""

    kind = fields.String()
    status = fields.String()
    level = fields.String()
    occurred_at = Time()
    representative_id = fields.Integer()
    note = fields.String()
    added_at = Time()


class PersonBriefSchema(Schema):
    """A person as events and lists show them: numbers masked."""

    id = fields.Integer()
    name = fields.String()
    id_number = MaskedIdNumber(attribute="id_number_masked")
    phone = MaskedPhone(attribute="phone_masked", allow_none=True)


class PersonSchema(PersonBriefSchema):
    """A person (a `service.PersonRecord`) for command: numbers masked, every incident newest first."""

    created_at = Time()
    incident_count = fields.Integer()
    incidents = fields.List(fields.Nested(PersonIncidentSchema))


PersonPageSchema = page_of(PersonSchema)


class RevealedSchema(Schema):
    """The one answer that carries full numbers: only after a reveal with a reason."""

    id_number = fields.String()
    phone = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
