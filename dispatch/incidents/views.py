from __future__ import annotations

from flask import Response
from flask_smorest import Blueprint

from ..auth.current import actor
from ..db import utcnow
from ..instructions import service as instructions
from ..representatives import service as representatives
from ..schemas import LongPageArgs, paged, shown_time
from ..tasks import service as tasks
from . import service
from .schemas import (IncidentCreateSchema, IncidentDetailSchema, IncidentExportArgs, IncidentFilterSchema,
                      IncidentListSchema, IncidentTransitionSchema, IncidentUpdateSchema, TimelineSchema)

blp = Blueprint("incidents", __name__, url_prefix="/api/incidents", description="The incident registry")


class _With:
    """An incident with what other areas add to it (dumped parts, counts)."""

    def __init__(self, incident, **parts):
        self._incident = incident
        self.__dict__.update(parts)

    def __getattr__(self, name):
        return getattr(self._incident, name)


def _with_counts(incidents):
    """What the board shows beside each incident: open and overdue tasks, unacknowledged instructions."""
    ids = [incident.id for incident in incidents]
    task_counts, unacknowledged = tasks.task_counts(ids), instructions.unacknowledged_counts(ids)
    return [_With(incident, open_tasks=task_counts[incident.id]["open"],
                  overdue_tasks=task_counts[incident.id]["overdue"],
                  unacknowledged_instructions=unacknowledged[incident.id]) for incident in incidents]


def _detail(incident):
    current = actor()
    (counted,) = _with_counts([incident])
    return _With(
        counted,
        representatives=representatives.dump_for_incident(actor=current, incident_id=incident.id),
        tasks=tasks.dump_for_incident(actor=current, incident_id=incident.id),
        instructions=instructions.dump_for_incident(actor=current, incident_id=incident.id),
    )


@blp.route("", methods=["POST"])
@blp.arguments(IncidentCreateSchema)
@blp.response(201, IncidentDetailSchema)
def register(data):
    return _detail(service.register_incident(actor=actor(), data=data))


@blp.route("", methods=["GET"])
@blp.arguments(IncidentFilterSchema, location="query")
@blp.response(200, IncidentListSchema)
def index(filters):
    items, total = service.list_incidents(actor=actor(), filters=filters)
    return {"items": _with_counts(items), "total": total}


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@blp.route("/export.xlsx", methods=["GET"])
@blp.arguments(IncidentExportArgs, location="query")
@blp.doc(responses={"200": {"description": "The incident register (incidents, representatives masked, tasks)",
                            "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}})
def export(filters):
    workbook = service.export_incidents(actor=actor(), filters=filters)
    filename = f"incidents-{shown_time(utcnow())[:10]}.xlsx"  # the date in the configured zone
    return Response(workbook, mimetype=XLSX, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@blp.route("/<int:incident_id>", methods=["GET"])
@blp.response(200, IncidentDetailSchema)
def show(incident_id):
    return _detail(service.get_incident(actor=actor(), incident_id=incident_id))


@blp.route("/<int:incident_id>", methods=["PATCH"])
@blp.arguments(IncidentUpdateSchema)
@blp.response(200, IncidentDetailSchema)
def edit(data, incident_id):
    version = data.pop("version")
    return _detail(service.update_incident(actor=actor(), incident_id=incident_id, version=version, changes=data))


@blp.route("/<int:incident_id>/transitions", methods=["POST"])
@blp.arguments(IncidentTransitionSchema)
@blp.response(200, IncidentDetailSchema)
def transition(data, incident_id):
    return _detail(service.transition_incident(actor=actor(), incident_id=incident_id, **data))


@blp.route("/<int:incident_id>/timeline", methods=["GET"])
@blp.arguments(LongPageArgs, location="query")
@blp.response(200, TimelineSchema)
def timeline(args, incident_id):
    events = service.timeline(actor=actor(), incident_id=incident_id)
    return paged([event.to_dict() for event in events], args)
