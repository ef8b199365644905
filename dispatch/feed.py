"""The event log read as a feed (`GET /api/events`) and the health check."""
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
