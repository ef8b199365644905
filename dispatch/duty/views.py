"""On duty, and reaching people who are not looking at a screen (API.md)."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from ..auth.current import actor
from . import outbox  # noqa: F401  (registers the outbox with the log: notifications written with their events)
from . import service
from .schemas import (CopyWeekSchema, DutyQuerySchema, DutySchema, NotificationFilterSchema,
                      NotificationPageSchema, PolicyInSchema, PolicyPageSchema, PolicySchema, ShiftFilterSchema,
                      ShiftInSchema, ShiftSchema)

blp = Blueprint("duty", __name__, url_prefix="/api", description="Duty rosters, escalation and notifications")


class ShiftPageSchema(Schema):
    items = fields.List(fields.Nested(ShiftSchema))
    total = fields.Integer()


@blp.route("/units/<int:unit_id>/shifts", methods=["POST"])
@blp.arguments(ShiftInSchema)
@blp.response(201, ShiftSchema)
def add_shift(data, unit_id):
    return service.shown_shift(service.add_shift(actor=actor(), unit_id=unit_id, data=data))


@blp.route("/units/<int:unit_id>/shifts", methods=["GET"])
@blp.arguments(ShiftFilterSchema, location="query")
@blp.response(200, ShiftPageSchema)
def unit_shifts(filters, unit_id):
    items, total = service.list_shifts(actor=actor(), unit_id=unit_id, filters=filters)
    return {"items": items, "total": total}


@blp.route("/shifts", methods=["GET"])
@blp.arguments(ShiftFilterSchema, location="query")
@blp.response(200, ShiftPageSchema)
def all_shifts(filters):
    """Every unit's shifts in the window: the county's roster at a glance."""
    items, total = service.list_shifts(actor=actor(), unit_id=None, filters=filters)
    return {"items": items, "total": total}


@blp.route("/units/<int:unit_id>/shifts/copy-last-week", methods=["POST"])
@blp.arguments(CopyWeekSchema)
@blp.response(201, ShiftPageSchema)
def copy_last_week(data, unit_id):
    created = service.copy_last_week(actor=actor(), unit_id=unit_id, week_of=data["week_of"])
    return {"items": [service.shown_shift(shift) for shift in created], "total": len(created)}


@blp.route("/shifts/<int:shift_id>", methods=["DELETE"])
@blp.response(204)
def remove_shift(shift_id):
    service.remove_shift(actor=actor(), shift_id=shift_id)


@blp.route("/duty", methods=["GET"])
@blp.arguments(DutyQuerySchema, location="query")
@blp.response(200, DutySchema)
def duty(query):
    return service.duty(actor=actor(), at=query.get("at"))


@blp.route("/escalation-policies", methods=["GET"])
@blp.response(200, PolicyPageSchema)
def policies():
    items = service.list_policies(actor=actor())
    return {"items": items, "total": len(items)}


@blp.route("/escalation-policies/<level>", methods=["PUT"])
@blp.arguments(PolicyInSchema)
@blp.response(200, PolicySchema)
def set_policy(data, level):
    return service.set_policy(actor=actor(), level=level, steps=data["steps"])


@blp.route("/notifications", methods=["GET"])
@blp.arguments(NotificationFilterSchema, location="query")
@blp.response(200, NotificationPageSchema)
def notifications(filters):
    items, total = service.list_notifications(actor=actor(), filters=filters)
    return {"items": items, "total": total}
