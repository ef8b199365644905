"""The few kinds of refusal, and their one JSON rendering (API.md, "Errors").

Every text a refusal carries is in the request's language (`?lang`, the cookie,
`Accept-Language`, else Chinese: the pages' choice). Our own messages are
written with `_()` where they are raised; what the libraries say (marshmallow,
webargs, werkzeug, Flask-Limiter) is put into our words here, when the body is
rendered, so no English sentence of theirs reaches a user.
"""
from __future__ import annotations

import re
from typing import Any

from flask import Flask, jsonify, request
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, PendingRollbackError
from werkzeug.exceptions import HTTPException

from .db import db


class DispatchError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None, **extra: Any):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.extra = extra

    def body(self) -> dict:
        error = {"code": self.code, "message": str(self.message), "fields": translated_fields(self.fields)}
        error.update(self.extra)
        return {"error": error}


class BadRequest(DispatchError):
    status, code = 400, "bad_request"


class Unauthorized(DispatchError):
    status, code = 401, "unauthorized"


class Forbidden(DispatchError):
    status, code = 403, "forbidden"


class PasswordChangeRequired(Forbidden):
    """The password was reset or imported: the user changes it before anything else."""

    code = "password_change_required"


class NotFound(DispatchError):
    status, code = 404, "not_found"


class Conflict(DispatchError):
    """A stale version or a transition the current state forbids; carries the current state."""

    status, code = 409, "conflict"


class Invalid(DispatchError):
    status, code = 422, "invalid"


class TooLarge(DispatchError):
    status, code = 413, "too_large"


class UnsupportedType(DispatchError):
    status, code = 415, "unsupported_media_type"


class Unavailable(DispatchError):
    """Something this request needs outside (the county's directory or identity provider) does not answer."""

    status, code = 503, "unavailable"


class TooManyRequests(DispatchError):
    """Asked too often; `retry_after` (seconds) says when to try again."""

    status, code = 429, "too_many_requests"

    def __init__(self, message: str, *, retry_after: int, **extra: Any):
        super().__init__(message, retry_after=retry_after, **extra)
        self.headers = {"Retry-After": str(retry_after)}


class ServerBusy(TooManyRequests):
    """The server has no room for this work now (not the asker's fault); `retry_after` says when to try again."""

    status, code = 503, "unavailable"


# What `found()` names, by the word its callers pass.
MISSING = {
    "incident": _l("No such incident: it may have been removed, or the link is wrong."),
    "task": _l("No such task: it may have been removed, or the link is wrong."),
    "instruction": _l("No such instruction: it may have been removed, or the link is wrong."),
    "meeting": _l("No such meeting: it may have been removed, or the link is wrong."),
    "representative": _l("No such representative: they may have been removed already; reload the incident."),
    "person": _l("No such person: look them up again by identity number."),
    "user": _l("No such user: reload the list of users."),
    "unit": _l("No such unit: choose one from the list."),
    "token": _l("No such API token: reload the list of tokens."),
    "attachment": _l("No such attachment: reload the incident to see its attachments."),
    "report": _l("No such report: reload the incident's list of reports."),
    "place": _l("No such place: reload the list of places."),
    "review": _l("No after-action review of this incident yet."),
}


def found(row, what: str):
    """The row fetched by id, or a 404 naming what was missing."""
    if row is None:
        raise NotFound(str(MISSING[what]))
    return row


# --- what the libraries say, in our words ------------------------------------

# marshmallow's messages (fields and validators), as it words them -> ours. `{name}`
# in a pattern is a value marshmallow filled in; ours carries it on.
LIBRARY_MESSAGES = [
    ("Missing data for required field.", _l("Required: fill this in.")),
    ("Field may not be null.", _l("Must not be empty (null): give a value, or leave the field out.")),
    ("Unknown field.", _l("Unknown field: remove it (the accepted fields are in /api/openapi.json).")),
    ("Invalid input type.", _l("Must be a JSON object.")),
    ("Invalid type.", _l("Wrong type: send a JSON object here.")),
    ("Not a valid string.", _l("Not text: send a string.")),
    ("Not a valid utf-8 string.", _l("Not readable text: send it encoded as UTF-8.")),
    ("Not a valid integer.", _l("Not a whole number: enter digits only, e.g. 25.")),
    ("Not a valid number.", _l("Not a number: enter a number, e.g. 30.27.")),
    ("Number too large.", _l("Number too large: enter a smaller one.")),
    ("Special numeric values (nan or infinity) are not permitted.",
     _l("Not a finite number: NaN and infinity are not accepted.")),
    ("Not a valid boolean.", _l("Not yes or no: send true or false.")),
    ("Not a valid list.", _l("Not a list: send a list, e.g. [1, 2].")),
    ("Not a valid mapping type.", _l("Not an object: send a JSON object.")),
    ("Not a valid datetime.", _l("Not a date and time: use ISO 8601, e.g. 2026-12-02T08:30:00+08:00.")),
    ("Not a valid date.", _l("Not a date: use ISO 8601, e.g. 2026-12-02.")),
    ("Invalid value.", _l("Not an accepted value: check it and try again.")),
    ("Invalid input.", _l("Not an accepted value: check it and try again.")),
    ("String does not match expected pattern.",
     _l("Not in the expected form: use lower-case letters, digits, dots, dashes and underscores.")),
    ("Shorter than minimum length 1.", _l("Required: must not be empty.")),
    ("Shorter than minimum length {min}.", _l("Too short: at least {min} characters.")),
    ("Longer than maximum length {max}.", _l("Too long: at most {max}; shorten it.")),
    ("Length must be between {min} and {max}.", _l("Length must be from {min} to {max}.")),
    ("Length must be {equal}.", _l("Length must be exactly {equal}.")),
    ("Must be one of: {choices}.", _l("Not one of the accepted values: {choices}.")),
    ("Must be greater than or equal to {min} and less than or equal to {max}.",
     _l("Out of range: from {min} to {max}.")),
    ("Must be greater than or equal to {min}.", _l("Too small: at least {min}.")),
    ("Must be less than or equal to {max}.", _l("Too large: at most {max}.")),
    ("Must be greater than {min} and less than {max}.", _l("Out of range: more than {min} and less than {max}.")),
    ("Must be greater than {min}.", _l("Too small: more than {min}.")),
    ("Must be less than {max}.", _l("Too large: less than {max}.")),
]


def _pattern(template: str) -> re.Pattern:
    parts = re.split(r"\{(\w+)\}", template)
    return re.compile("".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)"
                              for i, part in enumerate(parts)) + r"\Z")


_LIBRARY = [(_pattern(theirs), ours) for theirs, ours in LIBRARY_MESSAGES]


def translated(text: Any) -> str:
    """One message in the request's language: a library's sentence in our words, ours as written."""
    text = str(text)
    for pattern, ours in _LIBRARY:
        matched = pattern.match(text)
        if matched:
            return str(ours).format(**matched.groupdict())
    return text


def translated_fields(fields: dict[str, list]) -> dict[str, list[str]]:
    return {name: [translated(text) for text in texts] for name, texts in fields.items()}


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as {"field.sub": [...]} so every bad field is named."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, (dict, list)) and not (
                isinstance(value, list) and all(isinstance(v, str) for v in value)
            ):
                out.update(flatten_messages(value, name))
            else:
                out[name] = value if isinstance(value, list) else [str(value)]
    elif isinstance(messages, list):
        out[prefix or "_schema"] = [str(m) for m in messages]
    else:
        out[prefix or "_schema"] = [str(messages)]
    return out


def _http_code(status: int) -> str:
    return {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
            405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
            422: "invalid", 429: "too_many_requests"}.get(status, "error")


# werkzeug's own sentences ("The requested URL was not found on the server. If you entered...")
# never reach a user: each status says what happened and what to do, in the user's language.
HTTP_MESSAGES = {
    400: _l("The request could not be read: send a valid JSON body (or query) and try again."),
    401: _l("Sign in first."),
    403: _l("You are not allowed to do this."),
    404: _l("Nothing is at this address: check the link, or go back to the board."),
    405: _l("This address does not accept {method}: see /api/openapi.json for what it accepts."),
    409: _l("This changed in the meantime: reload and try again."),
    413: _l("The request is too large: send less at once (a smaller file or text)."),
    415: _l("This content type is not accepted: send JSON (Content-Type: application/json)."),
    422: _l("Some fields need correcting: see the message beside each field."),
    429: _l("Too many attempts: wait a minute, then try again."),
    500: _l("Something went wrong on the server: nothing was saved. Try again; if it persists, tell the administrator."),
    503: _l("The service is unavailable for the moment: try again in a minute."),
}


def _http_message(status: int) -> str:
    text = HTTP_MESSAGES.get(status) or HTTP_MESSAGES[500 if status >= 500 else 400]
    return str(text).format(method=request.method)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DispatchError)
    def _dispatch_error(exc: DispatchError):
        return jsonify(exc.body()), exc.status, getattr(exc, "headers", {})

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PendingRollbackError)
    def _database_unavailable(exc):
        """The database went away (restarted, unreachable, busy): 503, try again; the pool reconnects by itself."""
        db.session.remove()
        body = {"error": {"code": "unavailable",
                          "message": str(_l("The database does not answer: nothing was saved. Try again in a "
                                            "few seconds.")),
                          "fields": {}}}
        return jsonify(body), 503, {"Retry-After": "2"}

    @app.errorhandler(DBAPIError)
    def _database_error(exc: DBAPIError):
        # a connection cut mid-statement surfaces as whatever error the driver was in; only that is a 503
        if exc.connection_invalidated:
            return _database_unavailable(exc)
        raise exc

    @app.errorhandler(ValidationError)
    def _validation_error(exc: ValidationError):
        fields = flatten_messages(exc.messages)
        return jsonify(Invalid(str(HTTP_MESSAGES[422]), fields=fields).body()), 422

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        status = exc.code or 500
        fields = {}
        # flask-smorest / webargs put the schema's messages here
        data = getattr(exc, "data", None) or {}
        messages = data.get("messages")
        if isinstance(messages, dict):
            # webargs keys by location ({"json": {...}, "query": {...}}); name the fields themselves
            for location_messages in messages.values():
                fields.update(flatten_messages(location_messages))
        elif messages:
            fields = flatten_messages(messages)
        body = {"error": {"code": _http_code(status), "message": _http_message(status),
                          "fields": translated_fields(fields)}}
        headers = [(name, value) for name, value in exc.get_headers() if name.lower() == "allow"]
        return jsonify(body), status, headers
