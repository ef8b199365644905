"""What comes in to the instruction endpoints and what goes out."""
from __future__ import annotations

from datetime import timedelta

from marshmallow import Schema, fields, validate

from ..facts import rules
from ..db import utcnow
from ..schemas import FreeText, ID, PageArgs, StrictSchema, Time, page_of, shown_time

# Computed fields say their type, so the OpenAPI document describes them.
FLAG = {"type": "boolean"}
UNIT_IDS = {"type": "array", "items": {"type": "integer"}}


def _waited(instruction) -> timedelta:
    return utcnow() - instruction.issued_at


class InstructionCreateSchema(StrictSchema):
    text = FreeText(required=True, validate=validate.Length(min=1, max=5000))
    # the units that must acknowledge; left out: every unit with a live task on the incident, and CC
    unit_ids = fields.List(fields.Integer(strict=True, validate=ID), validate=validate.Length(min=1, max=50))


class AcknowledgementCreateSchema(StrictSchema):
    note = FreeText(validate=validate.Length(max=5000))


class InstructionFilterSchema(PageArgs):
    incident_id = fields.Integer(validate=ID)
    unit_id = fields.Integer(validate=ID)
    unacknowledged = fields.Boolean()
    overdue = fields.Boolean()


class AddresseeSchema(Schema):
    """One addressed unit: acknowledged when and by whom, or how long it has kept the leader waiting."""

    unit_id = fields.Integer()
    unit_code = fields.String(attribute="unit.code")
    unit_name = fields.String(attribute="unit.name")
    acknowledged = fields.Boolean()
    acknowledged_at = Time(allow_none=True)
    acknowledged_by_id = fields.Integer(allow_none=True)
    waiting_since = fields.Method("_waiting_since", metadata={"type": "string", "format": "date-time",
                                                              "nullable": True})
    waiting_seconds = fields.Method("_waiting_seconds", metadata={"type": "integer", "nullable": True})
    overdue = fields.Method("_overdue", metadata=FLAG)

    def _waiting_since(self, addressee) -> str | None:
        return None if addressee.acknowledged else shown_time(addressee.instruction.issued_at)

    def _waiting_seconds(self, addressee) -> int | None:
        return None if addressee.acknowledged else int(_waited(addressee.instruction).total_seconds())

    def _overdue(self, addressee) -> bool:
        return not addressee.acknowledged and rules.ack_overdue(addressee.instruction.issued_at, utcnow())


class InstructionSchema(Schema):
    id = fields.Integer()
    incident_id = fields.Integer()
    text = fields.String()
    issued_by_id = fields.Integer(allow_none=True)
    issued_at = Time()
    addressees = fields.List(fields.Nested(AddresseeSchema))
    acknowledged_unit_ids = fields.Method("_acknowledged", metadata=UNIT_IDS)
    unacknowledged_unit_ids = fields.Method("_unacknowledged", metadata=UNIT_IDS)
    overdue = fields.Method("_overdue", metadata=FLAG)

    def _acknowledged(self, instruction) -> list[int]:
        return [a.unit_id for a in instruction.addressees if a.acknowledged]

    def _unacknowledged(self, instruction) -> list[int]:
        return [a.unit_id for a in instruction.addressees if not a.acknowledged]

    def _overdue(self, instruction) -> bool:
        """Someone has still not acknowledged after the configured time: flagged to command and leaders."""
        late = rules.ack_overdue(instruction.issued_at, utcnow())
        return late and any(not a.acknowledged for a in instruction.addressees)


InstructionPageSchema = page_of(InstructionSchema)
