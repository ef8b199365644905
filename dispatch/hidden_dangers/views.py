"""Hidden dangers (API.md, "Prevention and supervision")."""
from __future__ import annotations

from flask_smorest import Blueprint

from .. import coordination
from ..auth.current import actor
from . import service
from .schemas import (HiddenDangerCreateSchema, HiddenDangerDetailSchema, HiddenDangerFilterSchema,
                      HiddenDangerPageSchema, HiddenDangerTransitionSchema, VisitCreateSchema, VisitSchema)

blp = Blueprint("hidden_dangers", __name__, url_prefix="/api/hidden-dangers", description="Hidden dangers")


@blp.route("", methods=["POST"])
@blp.arguments(HiddenDangerCreateSchema)
@blp.response(201, HiddenDangerDetailSchema)
def record(data):
    return coordination.record_hidden_danger(actor=actor(), data=data)


@blp.route("", methods=["GET"])
@blp.arguments(HiddenDangerFilterSchema, location="query")
@blp.response(200, HiddenDangerPageSchema)
def index(filters):
    items, total = service.list_hidden_dangers(actor=actor(), filters=filters)
    return {"items": items, "total": total}


@blp.route("/<int:hidden_danger_id>", methods=["GET"])
@blp.response(200, HiddenDangerDetailSchema)
def show(hidden_danger_id):
    return service.get_hidden_danger(actor=actor(), hidden_danger_id=hidden_danger_id)


@blp.route("/<int:hidden_danger_id>/visits", methods=["POST"])
@blp.arguments(VisitCreateSchema)
@blp.response(201, VisitSchema)
def visit(data, hidden_danger_id):
    return service.record_visit(actor=actor(), hidden_danger_id=hidden_danger_id, **data)


@blp.route("/<int:hidden_danger_id>/transitions", methods=["POST"])
@blp.arguments(HiddenDangerTransitionSchema)
@blp.response(200, HiddenDangerDetailSchema)
def transition(data, hidden_danger_id):
    return service.transition_hidden_danger(actor=actor(), hidden_danger_id=hidden_danger_id, **data)
