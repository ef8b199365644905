"""The event log read as a feed (`GET /api/events`), its catalogue of types (`GET /api/event-types`) and the
health check."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask_smorest import Blueprint as ApiBlueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .auth import permissions
from .auth.current import actor
from .capacity import screen_capacity
from .db import db
from .events import events_after, last_seq
from .facts.event_types import CATALOGUE, FIELD_TYPES
from .schemas import ID, MAX_ID, StrictSchema

blp = ApiBlueprint("events", __name__, url_prefix="/api", description="The event log")
ops = Blueprint("ops", __name__)


class EventArgs(StrictSchema):
    after = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_ID))
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=1000))
    incident_id = fields.Integer(validate=ID)


class EventPageSchema(Schema):
    items = fields.List(fields.Dict())
    last_seq = fields.Integer()


@blp.route("/events", methods=["GET"])
@blp.arguments(EventArgs, location="query")
@blp.response(200, EventPageSchema)
def events(args):
    permissions.require_user(actor())
    items = events_after(args["after"], args["limit"], args.get("incident_id"))
    return {"items": [event.to_dict() for event in items], "last_seq": last_seq()}


class EventTypeSchema(Schema):
    type = fields.String()
    label = fields.String(metadata={"description": "in English"})
    label_zh = fields.String(metadata={"description": "in Chinese"})
    data = fields.Dict(keys=fields.String(), values=fields.String(validate=validate.OneOf(FIELD_TYPES)),
                       metadata={"description": "each field its `data` may hold, with its type: "
                                                + ", ".join(FIELD_TYPES)})
    audience = fields.String(metadata={"description": "who receives events of this type: everyone signed in"})


class EventTypeListSchema(Schema):
    items = fields.List(fields.Nested(EventTypeSchema))


@blp.route("/event-types", methods=["GET"])
@blp.response(200, EventTypeListSchema)
def event_types():
    """Every type of event the server can append, with the fields of its data (API.md, "Event types")."""
    permissions.require_user(actor())
    return {"items": list(CATALOGUE.values())}


@ops.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify({"status": "unavailable", "database": "down"}), 503
    return jsonify({"status": "ok", "database": "up", "screens": screens()})


def screens() -> dict:
    """How many live screens this process can hold, and how many it holds now (realtime/ counts them)."""
    connected = current_app.extensions.get("live_connections", lambda: 0)
    return {"capacity": screen_capacity(current_app.config["MAX_CONNECTIONS"]), "connected": connected()}
