from __future__ import annotations

from flask_smorest import Blueprint

from .. import coordination
from ..auth.current import actor
from ..board import service as board
from .schemas import CommitmentCreateSchema, CommitmentOutSchema, MeetingCreateSchema, MeetingListSchema, MeetingOutSchema

blp = Blueprint("meetings", __name__, url_prefix="/api", description="Meetings with representatives and commitments")


@blp.route("/incidents/<int:incident_id>/meetings", methods=["POST"])
@blp.arguments(MeetingCreateSchema)
@blp.response(201, MeetingOutSchema)
def record(data, incident_id):
    meeting = coordination.record_meeting(actor=actor(), incident_id=incident_id, data=data)
    return board.meeting_detail(actor=actor(), meeting_id=meeting.id)


@blp.route("/incidents/<int:incident_id>/meetings", methods=["GET"])
@blp.response(200, MeetingListSchema)
def index(incident_id):
    items = board.meetings_of(actor=actor(), incident_id=incident_id)
    return {"items": items, "total": len(items)}


@blp.route("/meetings/<int:meeting_id>", methods=["GET"])
@blp.response(200, MeetingOutSchema)
def show(meeting_id):
    return board.meeting_detail(actor=actor(), meeting_id=meeting_id)


@blp.route("/meetings/<int:meeting_id>/commitments", methods=["POST"])
@blp.arguments(CommitmentCreateSchema)
@blp.response(201, CommitmentOutSchema)
def commit(data, meeting_id):
    commitment = coordination.make_commitment(actor=actor(), meeting_id=meeting_id, data=data)
    return board.commitment_detail(commitment_id=commitment.id)
