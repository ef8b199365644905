from __future__ import annotations

import unicodedata
from urllib.parse import quote

from flask import current_app, request, send_file
from flask_babel import gettext as _
from flask_smorest import Blueprint

from .. import coordination
from ..auth.current import actor
from ..board import service as board
from ..errors import NotFound
from ..security import talisman
from . import service
from .schemas import AttachmentFormSchema, AttachmentListSchema, AttachmentSchema

blp = Blueprint("attachments", __name__, url_prefix="/api", description="Attachments")

# Beyond the file's own limit, what a multipart form adds: boundaries, part headers, task_id and note.
FORM_OVERHEAD = 64 * 1024
# A download is never a page: a browser that opened one anyway would run nothing in it.
DOWNLOAD_POLICY = {"default-src": "'none'", "frame-ancestors": "'none'", "sandbox": ""}


def disposition(name: str) -> str:
    """Always a download: the name in UTF-8 (RFC 5987, for Chinese names) and a plain ASCII one for old clients
    (`现场照片.jpg` -> `attachment.jpg`, not a bare `.jpg`)."""
    stem, dot, ext = name.rpartition(".") if "." in name else (name, "", "")
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", stem) if ch.isascii() and ch.isprintable()
                    and ch not in '"\\;').strip()
    plain = plain if any(ch.isalnum() for ch in plain) else ""
    ext = "".join(ch for ch in ext if ch.isascii() and ch.isalnum())
    fallback = f"{plain or 'attachment'}{'.' + ext if dot and ext else ''}"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


@blp.before_request
def _larger_body_for_uploads():
    """Only an upload may be larger than the JSON body limit, and only once the sender is signed in (this
    runs after the app's own checks); the body is still not read here."""
    if request.endpoint == "attachments.upload":
        request.max_content_length = current_app.config["ATTACHMENT_MAX_BYTES"] + FORM_OVERHEAD


@blp.route("/incidents/<int:incident_id>/attachments", methods=["POST"])
@blp.arguments(AttachmentFormSchema, location="form", content_type="multipart/form-data")
@blp.response(201, AttachmentSchema)
def upload(form, incident_id):
    """multipart/form-data: `file` (a photo, PDF or office document), optional `task_id`, `meeting_id` and `note`."""
    form.pop("file", None)
    upload = request.files.get("file")
    return coordination.add_attachment(actor=actor(), incident_id=incident_id,
                                       stream=upload.stream if upload else None,
                                       filename=upload.filename if upload else None, **form)


@blp.route("/incidents/<int:incident_id>/attachments", methods=["GET"])
@blp.response(200, AttachmentListSchema)
def index(incident_id):
    items = board.incident_attachments(actor=actor(), incident_id=incident_id)
    return {"items": items, "total": len(items)}


@blp.route("/attachments/<int:attachment_id>", methods=["GET"])
@blp.doc(responses={"200": {"description": "The file, as a download (`Content-Disposition: attachment`)",
                            "content": {"application/octet-stream": {"schema": {"type": "string",
                                                                                "format": "binary"}}}}})
@talisman(content_security_policy=DOWNLOAD_POLICY)
def download(attachment_id):
    """The file itself, always as a download (`Content-Disposition: attachment`), never shown as a page."""
    attachment = board.attachment_for_download(actor=actor(), attachment_id=attachment_id)
    path = service.file_of(attachment)
    if not path.is_file():
        raise NotFound(_("The file of this attachment is missing from the store: tell the administrator."))
    response = send_file(path, mimetype=attachment.content_type, as_attachment=True,
                         download_name=attachment.name, etag=attachment.sha256, max_age=0, conditional=True)
    response.headers["Content-Disposition"] = disposition(attachment.name)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
