"""The few kinds of refusal, and their one JSON rendering (API.md, "Errors")."""
from __future__ import annotations

from typing import Any

from flask import Flask, jsonify
from marshmallow import ValidationError
from sqlalchemy.exc import InterfaceError, OperationalError
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
        error = {"code": self.code, "message": self.message, "fields": self.fields}
        error.update(self.extra)
        return {"error": error}


class BadRequest(DispatchError):
    status, code = 400, "bad_request"


class Unauthorized(DispatchError):
    status, code = 401, "unauthorized"


class Forbidden(DispatchError):
    status, code = 403, "forbidden"


class NotFound(DispatchError):
    status, code = 404, "not_found"


class Conflict(DispatchError):
    """A stale version or a transition the current state forbids; carries the current state."""

    status, code = 409, "conflict"


class Invalid(DispatchError):
    status, code = 422, "invalid"


class TooManyRequests(DispatchError):
    """Asked too often; `retry_after` (seconds) says when to try again."""

    status, code = 429, "too_many_requests"

    def __init__(self, message: str, *, retry_after: int, **extra: Any):
        super().__init__(message, retry_after=retry_after, **extra)
        self.headers = {"Retry-After": str(retry_after)}


def found(row, what: str):
    """The row fetched by id, or a 404 naming what was missing."""
    if row is None:
        raise NotFound(f"No such {what}.")
    return row


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


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DispatchError)
    def _dispatch_error(exc: DispatchError):
        return jsonify(exc.body()), exc.status, getattr(exc, "headers", {})

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_unavailable(exc):
        """The database went away (restarted, unreachable, busy): 503, try again; the pool reconnects by itself."""
        db.session.remove()
        body = {"error": {"code": "unavailable", "message": "The database does not answer; try again shortly.",
                          "fields": {}}}
        return jsonify(body), 503, {"Retry-After": "2"}

    @app.errorhandler(ValidationError)
    def _validation_error(exc: ValidationError):
        fields = flatten_messages(exc.messages)
        return jsonify(Invalid("Some fields are invalid.", fields=fields).body()), 422

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
        body = {"error": {"code": _http_code(status), "message": exc.description or exc.name, "fields": fields}}
        return jsonify(body), status
