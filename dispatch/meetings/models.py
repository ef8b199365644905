"""Meetings with the group's representatives (代表座谈/接谈) and the commitments made there (承诺事项)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow


class Meeting(Base):
    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    held_at: Mapped[datetime] = mapped_column(UTCDateTime())
    place: Mapped[str] = mapped_column(String(200))
    raised: Mapped[str] = mapped_column(Text, default="")
    answered: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    attendees: Mapped[list[MeetingRepresentative]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="MeetingRepresentative.representative_id")
    units: Mapped[list[MeetingUnit]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="MeetingUnit.unit_id")

    @property
    def representative_ids(self) -> list[int]:
        return [a.representative_id for a in self.attendees]

    @property
    def unit_ids(self) -> list[int]:
        return [u.unit_id for u in self.units]


class MeetingRepresentative(Base):
    """A representative present; the name as it was at the meeting (never the identity number)."""

    __tablename__ = "meeting_representatives"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    representative_id: Mapped[int] = mapped_column(ForeignKey("representatives.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class MeetingUnit(Base):
    """A unit present at the meeting."""

    __tablename__ = "meeting_units"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)


class Commitment(Base):
    """A promise made to the group at a meeting: a unit, a time limit, and the task that carries it out."""

    __tablename__ = "commitments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    made_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
