"""Photos and documents on incidents and tasks: received, checked by content, stored by hash, kept private.

A file is streamed to a private temporary file in the attachment folder, hashed
as it is written; a file over the limit, empty, or of a type not accepted is
removed at once and nothing else happens. An accepted one is renamed to its
SHA-256 (the same photo sent twice is kept once) in the transaction that records
the row and `attachment.added`. The name the user gave is metadata only.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from .. import personal_data
from ..auth import permissions
from ..auth.models import User
from ..db import db, utcnow
from ..errors import Invalid, TooLarge, UnsupportedType, found
from ..events import unit_of_work
from ..offload import heavy_job, run_off_loop
from . import content
from .models import Attachment
from .schemas import AttachmentSchema

CHUNK = 256 * 1024
# What the event says of an attachment: that a file was added, by whom, to what. Every receiver gets the
# event, but a task's evidence is not for every receiver: its name, note, size, type and hash stay in the row,
# behind the API's permissions (the pages fetch the list the viewer may read).
EVENT_FIELDS = ("id", "incident_id", "task_id", "meeting_id", "uploaded_at", "uploaded_by", "uploaded_by_name")


@dataclass
class Received:
    """An upload that passed the checks, waiting in its temporary file for the transaction that keeps it."""

    temp: Path
    size: int
    sha256: str
    content_type: str
    name: str
    created: Path | None = None  # the stored file, when this upload was the one that put it there


def folder() -> Path:
    path = Path(current_app.config["ATTACHMENT_DIR"])
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def stored_path(sha256: str) -> Path:
    return folder() / sha256[:2] / sha256


def _copy_hashing(stream: BinaryIO, out: BinaryIO, limit: int) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise TooLarge(_("The file is larger than {mb} MB: send a smaller photo or document, or split it.")
                           .format(mb=_megabytes(limit)), fields={"file": [_("Too large.")]}, max_bytes=limit)
        digest.update(chunk)
        out.write(chunk)
        time.sleep(0)  # under the green-thread server: other requests go on between chunks
    return size, digest.hexdigest()


def _megabytes(limit: int) -> str:
    return f"{limit / (1024 * 1024):g}"


def receive(stream: BinaryIO | None, raw_name: str | None, *, owner: int) -> Received:
    """The upload copied into a private temporary file and checked; refused (nothing kept) when too large,
    empty, or not a photo, PDF or office document by its content. One of `owner`'s bounded heavy jobs: the
    content is inspected on a real thread, never on the event loop."""
    if stream is None:
        raise Invalid(_("Choose a file to attach."), fields={"file": [_("Required: choose a photo or document.")]})
    with heavy_job(owner):
        return _received(stream, raw_name)


def _received(stream: BinaryIO, raw_name: str | None) -> Received:
    descriptor, name = tempfile.mkstemp(dir=folder(), prefix=".upload-")  # created 0600
    temp = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as out:
            size, sha256 = _copy_hashing(stream, out, current_app.config["ATTACHMENT_MAX_BYTES"])
        if size == 0:
            raise Invalid(_("The file is empty: choose the photo or document again."),
                          fields={"file": [_("Empty file.")]})
        content_type = run_off_loop(content.sniff, temp)
        if content_type is None:
            raise UnsupportedType(_("Only photos (JPEG, PNG, GIF, WebP, HEIC), PDF and office documents (Word, "
                                    "Excel, PowerPoint, OpenDocument) can be attached: this file is none of them, "
                                    "whatever its name says."), fields={"file": [_("Type not accepted.")]})
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return Received(temp=temp, size=size, sha256=sha256, content_type=content_type,
                    name=content.safe_name(raw_name, content_type))


def _place(received: Received) -> None:
    """The checked file under its hash (kept once however often it is sent)."""
    target = stored_path(received.sha256)
    target.parent.mkdir(mode=0o700, exist_ok=True)
    if target.exists():
        received.temp.unlink()
        return
    os.replace(received.temp, target)
    received.created = target


def discard(received: Received) -> None:
    """The transaction did not keep the upload: remove its temporary file, and the stored one if it put it
    there and no attachment refers to it."""
    received.temp.unlink(missing_ok=True)
    if received.created is not None and db.session.scalar(
            select(Attachment.id).where(Attachment.sha256 == received.sha256).limit(1)) is None:
        received.created.unlink(missing_ok=True)


def masked_text(text: str) -> str:
    return personal_data.mask_in_text(text)


def add_attachment(*, actor: User, incident_id: int, task_id: int | None, note: str | None,
                   received: Received, meeting_id: int | None = None) -> Attachment:
    """The file is on the incident (or the task, as evidence): listed on the incident page, live, for those
    who may see it. (Who may attach is checked by dispatch/coordination.py, which knows the tasks.)"""
    permissions.require(actor, "add_attachment")
    with unit_of_work() as uow:
        attachment = Attachment(
            incident_id=incident_id, task_id=task_id, meeting_id=meeting_id, name=masked_text(received.name),
            size=received.size, content_type=received.content_type, sha256=received.sha256,
            note=masked_text(note or ""),
            uploaded_by_id=actor.id, uploaded_by_name=actor.display_name, uploaded_by_unit_id=actor.unit_id,
            uploaded_at=utcnow())
        uow.session.add(attachment)
        uow.session.flush()
        uow.append_event("attachment.added", actor=actor, incident=incident_id, task=task_id,
                         unit_id=actor.unit_id, data={"attachment": snapshot(attachment)})
        _place(received)
    return attachment


def snapshot(attachment: Attachment) -> dict:
    return AttachmentSchema(only=EVENT_FIELDS).dump(attachment)


def get(session, attachment_id: int) -> Attachment:
    return found(session.get(Attachment, attachment_id), "attachment")


def file_of(attachment: Attachment) -> Path:
    return stored_path(attachment.sha256)
