"""Places (API.md, "The leaders' picture")."""
from __future__ import annotations

from flask_smorest import Blueprint

from ..auth.current import actor
from . import service
from .schemas import PlaceInSchema, PlaceListSchema, PlacePatchSchema, PlaceSchema

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
