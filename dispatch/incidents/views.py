from __future__ import annotations

from flask import Response, copy_current_request_context
from flask_smorest import Blueprint

from .. import coordination
from ..auth.current import actor
from ..board import service as board
from ..db import utcnow
from ..offload import run_heavy
from ..schemas import LongPageArgs, paged, shown_time
from . import export as workbook
from . import service
from .schemas import (HeadcountReportSchema, IncidentCreateSchema, IncidentDetailSchema, IncidentExportArgs, IncidentFilterSchema,
                      IncidentListSchema, IncidentTransitionSchema, IncidentUpdateSchema, TimelineSchema)

blp = Blueprint("incidents", __name__, url_prefix="/api", description="The incident registry")


def _detail(incident):
    return board.incident_detail(actor=actor(), incident_id=incident.id)


@blp.route("/incidents", methods=["POST"])
@blp.arguments(IncidentCreateSchema)
@blp.response(201, IncidentDetailSchema)
def register(data):
    return board.registered_detail(actor=actor(), incident=service.register_incident(actor=actor(), data=data))


@blp.route("/incidents", methods=["GET"])
@blp.arguments(IncidentFilterSchema, location="query")
@blp.response(200, IncidentListSchema)
def index(filters):
    items, total = board.list_incidents(actor=actor(), filters=filters)
    return {"items": items, "total": total}


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@blp.route("/incidents/export.xlsx", methods=["GET"])
@blp.arguments(IncidentExportArgs, location="query")
@blp.doc(responses={"200": {"description": "The incident register (incidents, representatives masked, tasks)",
                            "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}})
def export(filters):
    rows = board.export_rows(actor=actor(), filters=filters)
    # building the workbook is CPU work: a real thread does it, so live pushes never wait for it
    book = run_heavy(actor().id, copy_current_request_context(lambda: workbook.workbook_bytes(**rows)))
    filename = f"incidents-{shown_time(utcnow())[:10]}.xlsx"  # the date in the configured zone
    return Response(book, mimetype=XLSX, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@blp.route("/incidents/<int:incident_id>", methods=["GET"])
@blp.response(200, IncidentDetailSchema)
def show(incident_id):
    return board.incident_detail(actor=actor(), incident_id=incident_id)


@blp.route("/incidents/<int:incident_id>", methods=["PATCH"])
@blp.arguments(IncidentUpdateSchema)
@blp.response(200, IncidentDetailSchema)
def edit(data, incident_id):
    version = data.pop("version")
    return _detail(service.update_incident(actor=actor(), incident_id=incident_id, version=version, changes=data))


@blp.route("/incidents/<int:incident_id>/transitions", methods=["POST"])
@blp.arguments(IncidentTransitionSchema)
@blp.response(200, IncidentDetailSchema)
def transition(data, incident_id):
    return _detail(coordination.transition_incident(actor=actor(), incident_id=incident_id, **data))


@blp.route("/incidents/<int:incident_id>/headcount-reports", methods=["POST"])
@blp.arguments(HeadcountReportSchema)
@blp.response(201, IncidentDetailSchema)
def report_headcount(data, incident_id):
    return _detail(coordination.report_headcount(actor=actor(), incident_id=incident_id, **data))


@blp.route("/incidents/<int:incident_id>/timeline", methods=["GET"])
@blp.arguments(LongPageArgs, location="query")
@blp.response(200, TimelineSchema)
def timeline(args, incident_id):
    events = service.timeline(actor=actor(), incident_id=incident_id)
    return paged([event.to_dict() for event in events], args)


@blp.route("/hidden-dangers/<int:hidden_danger_id>/promote", methods=["POST"])
@blp.arguments(IncidentCreateSchema)
@blp.response(201, IncidentDetailSchema)
def promote(data, hidden_danger_id):
    """A hidden danger erupted: the incident registered from it (API.md, "Prevention and supervision")."""
    incident = coordination.promote_hidden_danger(actor=actor(), hidden_danger_id=hidden_danger_id, data=data)
    return _detail(incident)
