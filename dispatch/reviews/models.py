"""One review per incident: the key times read from the log, what was learnt, and each improvement's task."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow

# an incident is reviewed once it is over
REVIEWABLE_STATUSES = ("resolved", "closed")
KEY_TIMES = ("registered", "first_dispatch", "first_claim", "first_report", "contained", "resolved")


class Review(Base):
    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), unique=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    lessons: Mapped[str] = mapped_column(Text, default="")
    # {name: ISO time or None} for KEY_TIMES, as the log had them when the review was recorded
    key_times: Mapped[dict] = mapped_column(JSON, default=dict)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_by_name: Mapped[str] = mapped_column(String(200), default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    improvements: Mapped[list[Improvement]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="Improvement.id")


class Improvement(Base):
    """An improvement a unit owes: also a task on the incident, tracked, supervised and escalated like any."""

    __tablename__ = "review_improvements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
