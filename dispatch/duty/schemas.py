"""What comes in to the duty endpoints and what goes out (a phone only ever masked)."""
from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..schemas import ID, MaskedPhone, PageArgs, StrictSchema, Time
from .models import CHANNELS, KINDS, NOTIFY, STATUSES

LONGEST_SHIFT = timedelta(days=31)
# a step later than a week after the dispatch reaches nobody in time
LATEST_STEP_SECONDS = 7 * 24 * 3600
MAX_STEPS = 10


class ShiftInSchema(StrictSchema):
    user_id = fields.Integer(required=True, strict=True, validate=ID)
    starts_at = Time(required=True)
    ends_at = Time(required=True)

    @validates_schema
    def _end_follows_start(self, data, **kwargs):
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at is None or ends_at is None:
            return
        if ends_at <= starts_at:
            raise ValidationError(_("The shift ends before it starts: choose an end after the start."), "ends_at")
        if ends_at - starts_at > LONGEST_SHIFT:
            raise ValidationError(_("A shift lasts at most 31 days: split it into shorter ones."), "ends_at")


class ShiftSchema(Schema):
    id = fields.Integer()
    unit_id = fields.Integer()
    user_id = fields.Integer()
    name = fields.String()
    name_zh = fields.String()
    starts_at = Time()
    ends_at = Time()


class ShiftFilterSchema(PageArgs):
    # `from` is a Python keyword: the attribute is named apart from the query argument
    from_ = Time(data_key="from")
    to = Time()
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=2000))

    @validates_schema
    def _window(self, data, **kwargs):
        if data.get("from_") and data.get("to") and data["to"] <= data["from_"]:
            raise ValidationError(_("`to` must come after `from`."), "to")


class CopyWeekSchema(StrictSchema):
    """Copy the shifts of the week before `week_of` (any time in the target week, a Monday by the local
    calendar is its start) one week later."""

    week_of = Time(required=True)


class DutyQuerySchema(StrictSchema):
    at = Time()


class PersonOnDutySchema(Schema):
    user_id = fields.Integer(attribute="id")
    name = fields.String(attribute="display_name")
    name_zh = fields.String(attribute="display_name_zh")
    phone = MaskedPhone(attribute="phone_masked")


class UnitDutySchema(Schema):
    unit_id = fields.Integer()
    code = fields.String()
    # true: from the roster; false: no shift then, so every active liaison of the unit
    rostered = fields.Boolean()
    on_duty = fields.List(fields.Nested(PersonOnDutySchema))
    heads = fields.List(fields.Nested(PersonOnDutySchema))


class DutySchema(Schema):
    at = Time()
    items = fields.List(fields.Nested(UnitDutySchema))
    total = fields.Integer()


class StepSchema(StrictSchema):
    after_seconds = fields.Integer(required=True, strict=True,
                                   validate=validate.Range(min=0, max=LATEST_STEP_SECONDS))
    notify = fields.String(required=True, validate=validate.OneOf(NOTIFY))


class PolicyInSchema(StrictSchema):
    steps = fields.List(fields.Nested(StepSchema), required=True, validate=validate.Length(min=1, max=MAX_STEPS))

    @validates_schema
    def _increasing(self, data, **kwargs):
        steps = data.get("steps") or []
        for index in range(1, len(steps)):
            if steps[index]["after_seconds"] <= steps[index - 1]["after_seconds"]:
                raise ValidationError(
                    {"steps": {index: {"after_seconds": [
                        _("Each step comes after the one before it: give more than {seconds} seconds.").format(
                            seconds=steps[index - 1]["after_seconds"])]}}})


class StepOutSchema(Schema):
    after_seconds = fields.Integer()
    notify = fields.String()


class PolicySchema(Schema):
    level = fields.String()
    steps = fields.List(fields.Nested(StepOutSchema))
    updated_at = Time()


class PolicyPageSchema(Schema):
    items = fields.List(fields.Nested(PolicySchema))
    total = fields.Integer()


class NotificationFilterSchema(PageArgs):
    task_id = fields.Integer(strict=False, validate=ID)
    instruction_id = fields.Integer(strict=False, validate=ID)
    incident_id = fields.Integer(strict=False, validate=ID)
    status = fields.String(validate=validate.OneOf(STATUSES))
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))


class RecipientSchema(Schema):
    user_id = fields.Integer(attribute="recipient_user_id", allow_none=True)
    name = fields.String(attribute="recipient_name")


class NotificationSchema(Schema):
    id = fields.Integer()
    kind = fields.String(validate=validate.OneOf(KINDS))
    incident_id = fields.Integer(allow_none=True)
    task_id = fields.Integer(allow_none=True)
    instruction_id = fields.Integer(allow_none=True)
    step = fields.Integer()
    notify = fields.String()
    recipient = fields.Function(lambda row: RecipientSchema().dump(row), metadata={
        "type": "object", "properties": {"user_id": {"type": "integer", "nullable": True}, "name": {"type": "string"}}})
    unit_id = fields.Integer(allow_none=True)
    channel = fields.String(validate=validate.OneOf(CHANNELS))
    status = fields.String()
    attempts = fields.Integer()
    created_at = Time()
    sent_at = Time(allow_none=True)
    error = fields.String(allow_none=True)


class NotificationPageSchema(Schema):
    items = fields.List(fields.Nested(NotificationSchema))
    total = fields.Integer()
