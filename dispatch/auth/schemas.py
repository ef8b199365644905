from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..schemas import ID, SHORT_TEXT, StrictSchema, Time
from .models import ROLES
from .passwords import MAX_LENGTH, MIN_LENGTH

PASSWORD = validate.Length(min=MIN_LENGTH, max=MAX_LENGTH)


class UnitSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    name_zh = fields.String()
    kind = fields.String()
    parent_id = fields.Integer(allow_none=True)
    active = fields.Boolean()
    depth = fields.Integer(metadata={"description": "0 at the top of the hierarchy (lists give parents first)"})
    path = fields.List(fields.String(), metadata={"description": "the codes from the top unit down to this one"})


class UserSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    display_name_zh = fields.String()
    role = fields.String()
    unit_id = fields.Integer(allow_none=True)
    unit = fields.Nested(UnitSchema, allow_none=True)
    active = fields.Boolean()
    phone = fields.String(attribute="phone_masked", allow_none=True,
                          metadata={"description": "the work mobile, masked (138****5678)"})
    email = fields.String(allow_none=True)
    unit_head = fields.Boolean()
    must_change_password = fields.Boolean()


class LoginSchema(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=80))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))


class SessionSchema(Schema):
    user = fields.Nested(UserSchema)
    csrf_token = fields.String(allow_none=True)
    must_change_password = fields.Boolean(
        metadata={"description": "true: every request but this one, sign-out and POST /api/session/password is "
                                 "refused (403 password_change_required) until the password is changed"})


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
