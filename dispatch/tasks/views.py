from __future__ import annotations

from flask_smorest import Blueprint

from .. import coordination
from ..auth.current import actor
from . import service
from .schemas import (PlanApplySchema, PlanAppliedSchema, SupervisionNoticeCreateSchema, SupervisionNoticeSchema,
                      TaskCreateSchema, TaskDetailSchema, TaskFilterSchema, TaskPageSchema, TaskSchema,
                      TaskTransitionSchema)

blp = Blueprint("tasks", __name__, url_prefix="/api", description="Tasks")


@blp.route("/incidents/<int:incident_id>/tasks", methods=["POST"])
@blp.arguments(TaskCreateSchema)
@blp.response(201, TaskSchema)
def dispatch(data, incident_id):
    return coordination.dispatch_task(actor=actor(), incident_id=incident_id, data=data)


@blp.route("/tasks", methods=["GET"])
@blp.arguments(TaskFilterSchema, location="query")
@blp.response(200, TaskPageSchema)
def index(filters):
    items, total = service.list_tasks(actor=actor(), filters=filters)
    return {"items": items, "total": total}


@blp.route("/tasks/<int:task_id>", methods=["GET"])
@blp.response(200, TaskDetailSchema)
def show(task_id):
    return service.get_task(actor=actor(), task_id=task_id)


@blp.route("/tasks/<int:task_id>/transitions", methods=["POST"])
@blp.arguments(TaskTransitionSchema)
@blp.response(200, TaskSchema)
def transition(data, task_id):
    return coordination.transition_task(actor=actor(), task_id=task_id, **data)


@blp.route("/tasks/<int:task_id>/supervision-notices", methods=["POST"])
@blp.arguments(SupervisionNoticeCreateSchema)
@blp.response(201, SupervisionNoticeSchema)
def supervise(data, task_id):
    return service.issue_supervision_notice(actor=actor(), task_id=task_id, note=data["note"])


@blp.route("/incidents/<int:incident_id>/response-plans/<int:plan_id>/apply", methods=["POST"])
@blp.arguments(PlanApplySchema, required=False)  # nothing to send: an empty body is as good
@blp.response(201, PlanAppliedSchema)
def apply_response_plan(_nothing, incident_id, plan_id):
    """Every task of the plan dispatched at once (API.md, "Prevention and supervision")."""
    return {"tasks": coordination.apply_response_plan(actor=actor(), incident_id=incident_id, plan_id=plan_id)}
