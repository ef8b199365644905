from __future__ import annotations

from flask import Response
from flask_smorest import Blueprint

from .. import coordination
from ..auth.current import actor
from ..board import report_content
from . import render, service
from .schemas import (ApproveSchema, ReportCreateSchema, ReportEditSchema, ReportLanguageArgs, ReportListSchema,
                      ReportSchema)

blp = Blueprint("reports", __name__, url_prefix="/api", description="Situation reports")


@blp.route("/incidents/<int:incident_id>/reports", methods=["POST"])
@blp.arguments(ReportCreateSchema)
@blp.response(201, ReportSchema)
def publish(data, incident_id):
    return coordination.publish_report(actor=actor(), incident_id=incident_id, **data)


@blp.route("/incidents/<int:incident_id>/reports", methods=["GET"])
@blp.response(200, ReportListSchema)
def index(incident_id):
    items = report_content.reports_of(actor=actor(), incident_id=incident_id)
    return {"items": items, "total": len(items), "next_kind": service.next_kind(items)}


@blp.route("/reports/<int:report_id>", methods=["PATCH"])
@blp.arguments(ReportEditSchema)
@blp.response(200, ReportSchema)
def edit(changes, report_id):
    return coordination.edit_report(actor=actor(), report_id=report_id, changes=changes)


@blp.route("/reports/<int:report_id>/approve", methods=["POST"])
@blp.arguments(ApproveSchema)
@blp.response(200, ReportSchema)
def approve(data, report_id):
    return coordination.approve_report(actor=actor(), report_id=report_id, **data)


@blp.route("/reports/<int:report_id>", methods=["GET"])
@blp.response(200, ReportSchema)
def show(report_id):
    return service.get_report(actor=actor(), report_id=report_id)


@blp.route("/reports/<int:report_id>.pdf", methods=["GET"])
@blp.arguments(ReportLanguageArgs, location="query")
@blp.doc(responses={"200": {"description": "The report as an A4 PDF, in Chinese or English (`lang` or "
                                          "Accept-Language)",
                            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}})
def pdf(_args, report_id):
    report = service.get_report(actor=actor(), report_id=report_id)
    body = render.pdf_bytes(report, owner=actor().id)
    name = f"{report.content['incident']['ref']}-{report.number or 'draft'}-{report.kind}.pdf"
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "private"})
