"""Tasks dispatched to units, their co-handling units and supervision notices."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow

PRIORITIES = ("low", "normal", "high", "urgent")
STATUSES = ("dispatched", "claimed", "in_progress", "submitted", "done", "returned", "cancelled")


class Task(Base):
    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    instructions: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[str] = mapped_column(String(10))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The deadline for which task.overdue was appended: once per task and deadline.
    overdue_notified_for: Mapped[datetime | None] = mapped_column(UTCDateTime())
    supervision_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    co_units: Mapped[list[TaskCoUnit]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def co_unit_ids(self) -> list[int]:
        return sorted(co.unit_id for co in self.co_units)


class TaskCoUnit(Base):
    __tablename__ = "task_co_units"

    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)


class SupervisionNotice(Base):
    __tablename__ = "supervision_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    task: Mapped[Task] = relationship()
