"""The administrator's API: units, users, password resets, the audit trail (API.md, "The county's own organisation")."""
from __future__ import annotations

from flask import Response, copy_current_request_context, current_app, request
from flask_babel import gettext as _
from flask_smorest import Blueprint

from ..auth.current import actor
from ..auth.schemas import UserSchema
from ..auth import permissions
from ..db import db
from ..errors import BadRequest, TooLarge, UnsupportedType
from ..offload import run_off_loop
from . import audit_trail, importer, service, spreadsheet
from .schemas import (AdminUnitSchema, AuditArgs, AuditCheckSchema, AuditTrailSchema, ImportArgs, ImportFormSchema,
                      ImportResultSchema, TemporaryPasswordSchema, UnitCreateSchema, UnitUpdateSchema, UserEditSchema)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORM_OVERHEAD = 64 * 1024

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
        request.max_content_length = current_app.config["IMPORT_MAX_BYTES"] + FORM_OVERHEAD


def _roster_upload() -> bytes:
    upload = request.files.get("file")
    if upload is None:
        raise BadRequest(_("Send the workbook as the form's “file”."), fields={"file": [_("Required: choose a file.")]})
    data = upload.stream.read(current_app.config["IMPORT_MAX_BYTES"] + 1)
    if len(data) > current_app.config["IMPORT_MAX_BYTES"]:
        raise TooLarge(_("The workbook is too large: at most {n} MB; split it.").format(
            n=current_app.config["IMPORT_MAX_BYTES"] // (1024 * 1024)), fields={"file": [_("Too large.")]})
    return data


def _read_and_import(who, data: bytes, dry_run: bool):
    try:
        roster = spreadsheet.read_roster(data, current_app.config["IMPORT_MAX_ROWS"])
    except spreadsheet.NotAWorkbook:
        raise UnsupportedType(_("This is not an Excel workbook (.xlsx): download the template and fill it in."),
                              fields={"file": [_("Not an XLSX workbook.")]}) from None
    try:
        return importer.import_roster(actor=who, roster=roster, dry_run=dry_run)
    finally:
        db.session.remove()  # the real thread's own session


@blp.route("/admin/import", methods=["POST"])
@blp.arguments(ImportArgs, location="query")
@blp.arguments(ImportFormSchema, location="form", content_type="multipart/form-data")
@blp.response(200, ImportResultSchema)
def import_roster(args, _form):
    """The county's roster from a workbook (sheets units and users): ?dry_run=1 says what would change; otherwise
    all of it is stored or, with any bad row (422, each named by sheet, row and field), none of it."""
    who = permissions.require(actor(), "administer")
    data = _roster_upload()
    # reading a workbook of thousands of rows and checking each is CPU work: a real thread does it
    outcome, temporary = run_off_loop(copy_current_request_context(
        lambda: _read_and_import(who, data, args["dry_run"])))
    body = outcome.body()
    if not args["dry_run"]:
        body["temporary_passwords"] = temporary
    return body


@blp.route("/admin/import/template.xlsx", methods=["GET"])
@blp.doc(responses={"200": {"description": "An empty roster with its headings and notes",
                            "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}})
def import_template():
    """The roster's template: the sheets units and users with their headings, and a sheet of notes."""
    permissions.require(actor(), "administer")
    body = run_off_loop(copy_current_request_context(lambda: spreadsheet.template_bytes(importer.notes())))
    return Response(body, mimetype=XLSX,
                    headers={"Content-Disposition": 'attachment; filename="roster-template.xlsx"'})
