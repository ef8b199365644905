"""What the administration takes (units, users, the audit trail's filters) and gives (never a secret).

ImportArgs and ImportFormSchema (the roster's upload) are the shared ones of dispatch/schemas.py."""
from __future__ import annotations

import re

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate

from ..auth.models import ROLES, UNIT_KINDS
from ..auth.schemas import UnitSchema
from ..schemas import (ID, SHORT_TEXT, ImportArgs, ImportCounts, ImportFormSchema, ImportRowError, PageArgs,
                       StrictSchema, Time)

_UNIT_CODE = re.compile(r"[A-Z0-9][A-Z0-9_-]{0,19}")


def UNIT_CODE(value: str) -> None:
    if not _UNIT_CODE.fullmatch(value):
        raise ValidationError(_("Capital letters, digits, - and _ only, at most 20 (e.g. TWN-N)."))
WEBHOOK = [validate.URL(schemes={"http", "https"}, require_tld=False), validate.Length(max=500)]


class UnitCreateSchema(StrictSchema):
    code = fields.String(required=True, validate=UNIT_CODE,
                         metadata={"description": "capital letters, digits, - and _; at most 20 (e.g. TWN-N)"})
    name = fields.String(required=True, validate=SHORT_TEXT)
    name_zh = fields.String(validate=validate.Length(max=200))
    kind = fields.String(required=True, validate=validate.OneOf(UNIT_KINDS))
    parent_id = fields.Integer(allow_none=True, validate=ID)


class UnitUpdateSchema(StrictSchema):
    name = fields.String(validate=SHORT_TEXT)
    name_zh = fields.String(validate=validate.Length(max=200))
    parent_id = fields.Integer(allow_none=True, validate=ID)
    active = fields.Boolean()
    dingtalk_webhook = fields.String(allow_none=True, validate=WEBHOOK)
    dingtalk_secret = fields.String(allow_none=True, validate=validate.Length(max=200), load_only=True,
                                    metadata={"description": "the robot's signing secret (SEC...); kept encrypted, "
                                                             "never shown again: null or \"\" removes it"})
    wecom_webhook = fields.String(allow_none=True, validate=WEBHOOK)


class AdminUnitSchema(UnitSchema):
    """A unit as the administrator sees it: the robots' addresses, and only whether the secret is set."""

    dingtalk_webhook = fields.String(allow_none=True)
    wecom_webhook = fields.String(allow_none=True)
    dingtalk_secret_set = fields.Function(lambda unit: unit.dingtalk_secret_encrypted is not None)


class UserEditSchema(StrictSchema):
    display_name = fields.String(validate=SHORT_TEXT)
    display_name_zh = fields.String(validate=validate.Length(max=200))
    role = fields.String(validate=validate.OneOf(ROLES))
    unit_code = fields.String(allow_none=True, validate=validate.Length(max=20))
    active = fields.Boolean()
    phone = fields.String(allow_none=True, validate=validate.Length(max=40),
                          metadata={"description": "the work mobile, 11 digits; null or \"\" removes it"})
    email = fields.String(allow_none=True, validate=validate.Length(max=254))
    unit_head = fields.Boolean(metadata={"description": "the unit's responsible person"})


class TemporaryPasswordSchema(Schema):
    temporary_password = fields.String(metadata={"description": "shown this once; changed at the first sign-in"})


class AuditArgs(PageArgs):
    type = fields.String(validate=validate.Length(max=64),
                         metadata={"description": "one type (user.updated) or a family (user, user.*)"})
    actor_id = fields.Integer(validate=ID)
    from_ = Time(data_key="from", metadata={"description": "events at or after this time"})
    to = Time(metadata={"description": "events before this time"})


class AuditCheckSchema(Schema):
    ran_at = Time()
    holds = fields.Boolean()
    verified = fields.Integer()
    broken_seq = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    head = fields.String()


class AuditTrailSchema(Schema):
    items = fields.List(fields.Dict(), metadata={"description": "events as GET /api/events gives them, newest first"})
    total = fields.Integer()
    verification = fields.Nested(AuditCheckSchema, allow_none=True,
                                 metadata={"description": "the last run of `audit verify` (null: never run)"})


class _Temporary(Schema):
    username = fields.String()
    password = fields.String()


class ImportResultSchema(Schema):
    units = fields.Nested(ImportCounts)
    users = fields.Nested(ImportCounts)
    errors = fields.List(fields.Nested(ImportRowError))
    temporary_passwords = fields.List(fields.Nested(_Temporary),
                                      metadata={"description": "the users created (not in a dry run), shown once"})
