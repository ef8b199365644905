"""Response plans (API.md, "Prevention and supervision")."""
from __future__ import annotations

from flask_smorest import Blueprint

from ..auth.current import actor
from . import service
from .schemas import ResponsePlanFilterSchema, ResponsePlanInSchema, ResponsePlanPageSchema, ResponsePlanSchema

blp = Blueprint("response_plans", __name__, url_prefix="/api", description="Response plans")


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
