"""A published situation report: its content is a frozen copy of the incident at that moment."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow

KINDS = ("initial", "follow_up", "final")
# A final report only once the incident is over.
FINAL_STATUSES = ("resolved", "closed")
# drafted (拟稿), then signed off (签发) and published; or published at once
STATUSES = ("draft", "published")


class Report(Base):
    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("incident_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="published", server_default="published")
    # the incident's published reports counted: 续报 no. n (a draft has none until it is signed off)
    number: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text, default="")
    next_steps: Mapped[str] = mapped_column(Text, default="")
    # facts, headcount, representatives (masked), tasks, instructions, meetings: never changed after publishing
    content: Mapped[dict] = mapped_column(JSON, default=dict)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    drafted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    drafted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
