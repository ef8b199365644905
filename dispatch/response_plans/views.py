"""Response plans (API.md, "Prevention and supervision")."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from .. import coordination
from ..auth.current import actor
from ..tasks.schemas import TaskSchema
from . import service
from .schemas import ApplySchema, ResponsePlanFilterSchema, ResponsePlanInSchema, ResponsePlanPageSchema, ResponsePlanSchema

blp = Blueprint("response_plans", __name__, url_prefix="/api", description="Response plans")


class AppliedSchema(Schema):
    """What applying a plan dispatched: the tasks, exactly as a hand-dispatched one is answered."""

    tasks = fields.List(fields.Nested(TaskSchema))


@blp.route("/response-plans", methods=["GET"])
@blp.arguments(ResponsePlanFilterSchema, location="query")
@blp.response(200, ResponsePlanPageSchema)
def index(filters):
    items, total = service.list_response_plans(actor=actor(), filters=filters)
    return {"items": items, "total": total}


@blp.route("/response-plans", methods=["POST"])
@blp.arguments(ResponsePlanInSchema)
@blp.response(201, ResponsePlanSchema)
def create(data):
    return service.create_response_plan(actor=actor(), data=data)


@blp.route("/response-plans/<int:plan_id>", methods=["GET"])
@blp.response(200, ResponsePlanSchema)
def show(plan_id):
    return service.get_response_plan(actor=actor(), plan_id=plan_id)


@blp.route("/response-plans/<int:plan_id>", methods=["PUT"])
@blp.arguments(ResponsePlanInSchema)
@blp.response(200, ResponsePlanSchema)
def update(data, plan_id):
    return service.update_response_plan(actor=actor(), plan_id=plan_id, data=data)


@blp.route("/response-plans/<int:plan_id>", methods=["DELETE"])
@blp.response(204)
def delete(plan_id):
    service.delete_response_plan(actor=actor(), plan_id=plan_id)


@blp.route("/incidents/<int:incident_id>/response-plans/<int:plan_id>/apply", methods=["POST"])
@blp.arguments(ApplySchema)
@blp.response(201, AppliedSchema)
def apply(_nothing, incident_id, plan_id):
    return {"tasks": coordination.apply_response_plan(actor=actor(), incident_id=incident_id, plan_id=plan_id)}
