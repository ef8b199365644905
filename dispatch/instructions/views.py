from __future__ import annotations

from flask_smorest import Blueprint

from .. import coordination
from ..auth.current import actor
from . import service
from .schemas import (AcknowledgementCreateSchema, InstructionCreateSchema, InstructionFilterSchema,
                      InstructionPageSchema, InstructionSchema)

blp = Blueprint("instructions", __name__, url_prefix="/api", description="Instructions")


@blp.route("/incidents/<int:incident_id>/instructions", methods=["POST"])
@blp.arguments(InstructionCreateSchema)
@blp.response(201, InstructionSchema)
def issue(data, incident_id):
    return coordination.issue_instruction(actor=actor(), incident_id=incident_id, **data)


@blp.route("/instructions", methods=["GET"])
@blp.arguments(InstructionFilterSchema, location="query")
@blp.response(200, InstructionPageSchema)
def index(filters):
    items, total = service.list_instructions(actor=actor(), filters=filters)
    return {"items": items, "total": total}


@blp.route("/instructions/<int:instruction_id>", methods=["GET"])
@blp.response(200, InstructionSchema)
def show(instruction_id):
    return service.get_instruction(actor=actor(), instruction_id=instruction_id)


@blp.route("/instructions/<int:instruction_id>/acknowledgements", methods=["POST"])
@blp.arguments(AcknowledgementCreateSchema)
@blp.response(201, InstructionSchema)
def acknowledge(data, instruction_id):
    return service.acknowledge_instruction(actor=actor(), instruction_id=instruction_id, **data)
