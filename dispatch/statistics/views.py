from __future__ import annotations

from flask import Response, copy_current_request_context
from flask_smorest import Blueprint

from ..auth.current import actor
from ..offload import run_heavy
from . import export, service
from .schemas import IncidentArgs, IncidentStatisticsSchema, PeriodArgs, UnitStatisticsSchema

blp = Blueprint("statistics", __name__, url_prefix="/api/statistics",
                description="Figures per unit and per category, month and level, computed from the event log")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"


# Reading a year of the read model and taking its medians is CPU work (a third of a second at city scale):
# a real thread does it with its own session, so live pushes never wait for it.
def _units(args):
    who = actor()
    return run_heavy(who.id, copy_current_request_context(
        lambda: service.unit_figures(actor=who, first=args.get("from_"), last=args.get("to"))))


def _incidents(args):
    who = actor()
    return run_heavy(who.id, copy_current_request_context(
        lambda: service.incident_figures(actor=who, by=args["by"], first=args.get("from_"), last=args.get("to"))))


def _file(table, suffix: str) -> Response:
    if suffix == "csv":
        body, mimetype = export.csv_bytes(table), CSV  # Werkzeug names the charset (utf-8) of a text/ type once
    else:  # building a workbook is CPU work: a real thread does it, so live pushes never wait for it
        body, mimetype = run_heavy(actor().id, copy_current_request_context(lambda: export.xlsx_bytes(table))), XLSX
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{export.filename(table, suffix)}"'})


FILE_DOC = {"responses": {"200": {"description": "The same table as a file, headed in the requester's language",
                                  "content": {CSV: {"schema": {"type": "string"}},
                                              XLSX: {"schema": {"type": "string", "format": "binary"}}}}}}


@blp.route("/units", methods=["GET"])
@blp.arguments(PeriodArgs, location="query")
@blp.response(200, UnitStatisticsSchema)
def units(args):
    return _units(args)


@blp.route("/units.csv", methods=["GET"])
@blp.arguments(PeriodArgs, location="query")
@blp.doc(**FILE_DOC)
def units_csv(args):
    return _file(_units(args), "csv")


@blp.route("/units.xlsx", methods=["GET"])
@blp.arguments(PeriodArgs, location="query")
@blp.doc(**FILE_DOC)
def units_xlsx(args):
    return _file(_units(args), "xlsx")


@blp.route("/incidents", methods=["GET"])
@blp.arguments(IncidentArgs, location="query")
@blp.response(200, IncidentStatisticsSchema)
def incidents(args):
    return _incidents(args)


@blp.route("/incidents.csv", methods=["GET"])
@blp.arguments(IncidentArgs, location="query")
@blp.doc(**FILE_DOC)
def incidents_csv(args):
    return _file(_incidents(args), "csv")


@blp.route("/incidents.xlsx", methods=["GET"])
@blp.arguments(IncidentArgs, location="query")
@blp.doc(**FILE_DOC)
def incidents_xlsx(args):
    return _file(_incidents(args), "xlsx")
