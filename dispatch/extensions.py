"""Flask extensions, created here and bound in create_app()."""
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_smorest import Api, Blueprint
from webargs.flaskparser import FlaskParser
from marshmallow import INCLUDE, Schema, fields


class ErrorDetailSchema(Schema):
    class Meta:
        unknown = INCLUDE  # a 409 adds what the client needs to recover (current_version, unsettled_tasks)

    code = fields.String(required=True, metadata={"description": "bad_request, unauthorized, forbidden, not_found, conflict, invalid, ..."})
    message = fields.String(required=True)
    bad_fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), data_key="fields", required=True,
                             metadata={"description": "each bad field, named, with what is wrong"})
    current_status = fields.String(metadata={"description": "409: the state the object is in now"})


class ErrorSchema(Schema):
    """Every refusal (API.md, "Errors"): {"error": {"code", "message", "fields"}}."""

    error = fields.Nested(ErrorDetailSchema, required=True)


class StrictParser(FlaskParser):
    """Unknown query arguments are refused like unknown body fields (API.md): a typo such as
    `?staus=closed` must not silently return everything."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": None, "querystring": None}


# Every blueprint of the API parses with it (the schemas say RAISE).
Blueprint.ARGUMENTS_PARSER = StrictParser()


class DispatchApi(Api):
    ERROR_SCHEMA = ErrorSchema

# OpenAPI 3 from the marshmallow schemas, and request parsing with them.
api = DispatchApi()
# Its storage (memory, or Redis) counts failed sign-ins for the throttle (auth/throttle.py).
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)
