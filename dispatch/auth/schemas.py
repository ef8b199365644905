from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..schemas import ID, SHORT_TEXT, StrictSchema, Time
from .models import ROLES

PASSWORD = validate.Length(min=8, max=200)


class UnitSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    name_zh = fields.String()
    kind = fields.String()


class UserSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    display_name_zh = fields.String()
    role = fields.String()
    unit_id = fields.Integer(allow_none=True)
    unit = fields.Nested(UnitSchema, allow_none=True)
    active = fields.Boolean()


class LoginSchema(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=80))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))


class SessionSchema(Schema):
    user = fields.Nested(UserSchema)
    csrf_token = fields.String(allow_none=True)


class PasswordChangeSchema(StrictSchema):
    current_password = fields.String(required=True, validate=validate.Length(max=200))
    new_password = fields.String(required=True, validate=PASSWORD)


class UserCreateSchema(StrictSchema):
    username = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9._-]{0,79}$"))
    password = fields.String(required=True, validate=PASSWORD)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    display_name = fields.String(validate=SHORT_TEXT)
    display_name_zh = fields.String(validate=SHORT_TEXT)
    unit_code = fields.String(validate=validate.Length(max=20))


class UserUpdateSchema(StrictSchema):
    active = fields.Boolean(required=True)


class TokenCreateSchema(StrictSchema):
    user_id = fields.Integer(validate=ID, metadata={"description": "your own id (the default): a token acts as "
                                                                   "the user who issues it"})
    name = fields.String(required=True, validate=SHORT_TEXT)


class TokenSchema(Schema):
    """A new token: the secret is in this answer and nowhere else."""

    id = fields.Integer()
    user_id = fields.Integer()
    name = fields.String()
    token = fields.String()


class TokenListedSchema(Schema):
    id = fields.Integer()
    user_id = fields.Integer()
    username = fields.String(attribute="user.username")
    name = fields.String()
    created_at = Time()
    revoked = fields.Boolean()
    revoked_at = Time(allow_none=True)
