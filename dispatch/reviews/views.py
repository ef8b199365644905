"""After-action reviews (API.md, "The leaders' picture")."""
from __future__ import annotations

from flask import Response
from flask_smorest import Blueprint

from .. import coordination
from ..auth.current import actor
from ..board import review_view
from ..reports.schemas import ReportLanguageArgs
from . import render, service
from .schemas import ReviewInSchema, ReviewSchema

blp = Blueprint("reviews", __name__, url_prefix="/api", description="After-action reviews")


@blp.route("/incidents/<int:incident_id>/review", methods=["POST"])
@blp.arguments(ReviewInSchema)
@blp.response(201, ReviewSchema)
def record(data, incident_id):
    return coordination.record_review(actor=actor(), incident_id=incident_id, data=data)


@blp.route("/incidents/<int:incident_id>/review", methods=["GET"])
@blp.response(200, ReviewSchema)
def show(incident_id):
    return service.get_review(actor=actor(), incident_id=incident_id)


@blp.route("/incidents/<int:incident_id>/review.pdf", methods=["GET"])
@blp.arguments(ReportLanguageArgs, location="query")
@blp.doc(responses={"200": {"description": "The review as an A4 PDF, in Chinese or English",
                            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}})
def pdf(_args, incident_id):
    body = render.pdf_bytes(review_view.review_page(actor=actor(), incident_id=incident_id), owner=actor().id)
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="review-{incident_id}.pdf"',
                             "Cache-Control": "private"})
