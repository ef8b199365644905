"""Representatives of an incident, and persons for command (API.md)."""
from __future__ import annotations

from flask_smorest import Blueprint

from .. import coordination
from ..auth.current import actor
from ..board import service as board
from ..schemas import PageArgs, paged
from . import service
from .schemas import (PersonLookupArgs, PersonPageSchema, PersonSchema, RepresentativeCreateSchema,
                      RepresentativePageSchema, RepresentativeSchema, RevealedSchema, RevealSchema)

blp = Blueprint("representatives", __name__, url_prefix="/api", description="Representatives and persons")


@blp.route("/incidents/<int:incident_id>/representatives", methods=["POST"])
@blp.arguments(RepresentativeCreateSchema)
@blp.response(201, RepresentativeSchema)
def add(data, incident_id):
    return coordination.add_representative(actor=actor(), incident_id=incident_id, data=data)


@blp.route("/incidents/<int:incident_id>/representatives", methods=["GET"])
@blp.arguments(PageArgs, location="query")
@blp.response(200, RepresentativePageSchema)
def index(args, incident_id):
    return paged(board.representatives_of(actor=actor(), incident_id=incident_id), args)


@blp.route("/representatives/<int:representative_id>", methods=["DELETE"])
@blp.response(204)
def remove(representative_id):
    coordination.remove_representative(actor=actor(), representative_id=representative_id)


@blp.route("/persons", methods=["GET"])
@blp.arguments(PersonLookupArgs, location="query")
@blp.response(200, PersonPageSchema)
def lookup(args):
    return paged(board.find_persons(actor=actor(), id_number=args["id_number"]), args)


@blp.route("/persons/<int:person_id>", methods=["GET"])
@blp.response(200, PersonSchema)
def show(person_id):
    return board.person(actor=actor(), person_id=person_id)


@blp.route("/persons/<int:person_id>/reveal", methods=["POST"])
@blp.arguments(RevealSchema)
@blp.response(200, RevealedSchema)
def reveal(data, person_id):
    return service.reveal_person(actor=actor(), person_id=person_id, **data)
