"""The administrator's API: units, users, password resets, the audit trail (API.md, "The county's own organisation")."""
from __future__ import annotations

from flask import copy_current_request_context, request
from flask_smorest import Blueprint

from ..auth.current import actor
from ..auth.schemas import UserSchema
from ..auth import permissions
from .. import workbook
from ..offload import run_off_loop
from . import audit_trail, importer, service, spreadsheet
from .schemas import (AdminUnitSchema, AuditArgs, AuditCheckSchema, AuditTrailSchema, ImportArgs, ImportFormSchema,
                      ImportResultSchema, TemporaryPasswordSchema, UnitCreateSchema, UnitUpdateSchema, UserEditSchema)


blp = Blueprint("organisation", __name__, url_prefix="/api",
                description="The county's units and people, administered; the audit trail")


@blp.route("/units", methods=["POST"])
@blp.arguments(UnitCreateSchema)
@blp.response(201, AdminUnitSchema)
def create_unit(data):
    return service.create_unit(actor=actor(), **data)


@blp.route("/units/<int:unit_id>", methods=["PATCH"])
@blp.arguments(UnitUpdateSchema)
@blp.response(200, AdminUnitSchema)
def update_unit(data, unit_id):
    return service.update_unit(actor=actor(), unit_id=unit_id, changes=data)


@blp.route("/admin/units", methods=["GET"])
@blp.response(200, AdminUnitSchema(many=True))
def admin_units():
    """Every unit in the hierarchy's order, with its group robots (whether the DingTalk secret is set, never it)."""
    return service.units_for_admin(actor=actor())


@blp.route("/users/<int:user_id>", methods=["PATCH"])
@blp.arguments(UserEditSchema)
@blp.response(200, UserSchema)
def update_user(data, user_id):
    return service.update_user(actor=actor(), user_id=user_id, changes=data)


@blp.route("/users/<int:user_id>/password-reset", methods=["POST"])
@blp.response(200, TemporaryPasswordSchema)
def reset_password(user_id):
    return {"temporary_password": service.reset_password(actor=actor(), user_id=user_id)}


@blp.route("/audit", methods=["GET"])
@blp.arguments(AuditArgs, location="query")
@blp.response(200, AuditTrailSchema)
def audit(args):
    rows, total = audit_trail.trail(actor=actor(), type_=args.get("type"), actor_id=args.get("actor_id"),
                                    since=args.get("from_"), before=args.get("to"), limit=args["limit"],
                                    offset=args["offset"])
    return {"items": [row.to_dict() for row in rows], "total": total, "verification": audit_trail.last_check()}


@blp.route("/audit/verify", methods=["POST"])
@blp.response(200, AuditCheckSchema)
def verify():
    """Run `audit verify` now (the whole chain is recomputed, on a real thread) and keep its result."""
    who = actor()
    return run_off_loop(copy_current_request_context(lambda: audit_trail.verify_now(actor=who)))


@blp.before_request
def _larger_body_for_the_roster():
    """The roster's upload alone may be larger than a JSON body (this runs after the sign-in check)."""
    if request.endpoint == "organisation.import_roster":
        workbook.allow_upload()


@blp.route("/admin/import", methods=["POST"])
@blp.arguments(ImportArgs, location="query")
@blp.arguments(ImportFormSchema, location="form", content_type="multipart/form-data")
@blp.response(200, ImportResultSchema)
def import_roster(args, _form):
    """The county's roster from a workbook (sheets units and users): ?dry_run=1 says what would change; otherwise
    all of it is stored or, with any bad row (422, each named by sheet, row and field), none of it."""
    who = permissions.require(actor(), "administer")
    outcome, temporary = workbook.read_and_import(
        workbook.upload(), spreadsheet.SHEETS,
        lambda roster: importer.import_roster(actor=who, roster=roster, dry_run=args["dry_run"]))
    body = outcome.body()
    if not args["dry_run"]:
        body["temporary_passwords"] = temporary
    return body


@blp.route("/admin/import/template.xlsx", methods=["GET"])
@blp.doc(responses={"200": {"description": "An empty roster with its headings and notes",
                            "content": {workbook.XLSX: {"schema": {"type": "string", "format": "binary"}}}}})
def import_template():
    """The roster's template: the sheets units and users with their headings, and a sheet of notes."""
    permissions.require(actor(), "administer")
    return workbook.template_response(spreadsheet.SHEETS, importer.notes, "roster-template.xlsx")
