"""Places (API.md, "The leaders' picture"), and their import from a workbook (docs/leaders.md)."""
from __future__ import annotations

from flask import request
from flask_smorest import Blueprint

from .. import workbook
from ..auth import permissions
from ..auth.current import actor
from ..schemas import ImportArgs, ImportFormSchema
from . import importer, service
from .schemas import PlaceImportResultSchema, PlaceInSchema, PlaceListSchema, PlacePatchSchema, PlaceSchema

blp = Blueprint("places", __name__, url_prefix="/api/places", description="The county's places")


@blp.route("", methods=["GET"])
@blp.response(200, PlaceListSchema)
def index():
    items = service.list_places(actor=actor())
    return {"items": items, "total": len(items)}


@blp.route("", methods=["POST"])
@blp.arguments(PlaceInSchema)
@blp.response(201, PlaceSchema)
def create(data):
    return service.create_place(actor=actor(), data=data)


@blp.route("/<int:place_id>", methods=["PATCH"])
@blp.arguments(PlacePatchSchema)
@blp.response(200, PlaceSchema)
def update(data, place_id):
    return service.update_place(actor=actor(), place_id=place_id, data=data)


@blp.route("/<int:place_id>", methods=["DELETE"])
@blp.response(204)
def delete(place_id):
    service.delete_place(actor=actor(), place_id=place_id)


@blp.before_request
def _larger_body_for_the_workbook():
    """The places' workbook alone may be larger than a JSON body (this runs after the sign-in check)."""
    if request.endpoint == "places.import_places":
        workbook.allow_upload()


@blp.route("/import", methods=["POST"])
@blp.arguments(ImportArgs, location="query")
@blp.arguments(ImportFormSchema, location="form", content_type="multipart/form-data")
@blp.response(200, PlaceImportResultSchema)
def import_places(args, _form):
    """The county's places from a workbook (a sheet places): ?dry_run=1 says which would be added and changed;
    otherwise all of it is stored or, with any bad row (422, each named by sheet, row and field), none of it."""
    who = permissions.require(actor(), "administer")
    outcome = workbook.read_and_import(workbook.upload(), (importer.SHEET,),
                                       lambda rows: importer.import_places(actor=who, rows=rows,
                                                                           dry_run=args["dry_run"]))
    return outcome.body()


@blp.route("/import/template.xlsx", methods=["GET"])
@blp.doc(responses={"200": {"description": "An empty sheet of places with its headings and notes",
                            "content": {workbook.XLSX: {"schema": {"type": "string", "format": "binary"}}}}})
def import_template():
    """The places' template: the sheet places with its headings, and a sheet of notes."""
    permissions.require(actor(), "administer")
    return workbook.template_response((importer.SHEET,), importer.notes, "places-template.xlsx")
