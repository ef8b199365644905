"""Photos and documents on an incident, on one of its meetings, or on one of its tasks as evidence: metadata
here, bytes on disk."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    # set: evidence for that task, seen by command, leaders and the task's units only
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"), index=True)
    # set: a file of that meeting with the representatives (its minutes, a photo), listed under the meeting
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), index=True)
    # the name the user gave, sanitized; metadata only (the file is stored by its hash)
    name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    # read from the bytes, never from the name or the declared type
    content_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_by_name: Mapped[str | None] = mapped_column(String(200))
    uploaded_by_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
