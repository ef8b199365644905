"""Response plans: the standard tasks for a category and its levels, and where each plan was applied.

A plan is retired (`deleted_at`) rather than removed, so the record of where it
was applied, and the refusal to apply it twice, outlive it.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow
from ..labels import LABELS

# the incidents' categories and levels and the tasks' priorities, from the one vocabulary below every area
CATEGORIES = tuple(LABELS["category"])
LEVELS = tuple(LABELS["level"])
PRIORITIES = tuple(LABELS["priority"])


class ResponsePlan(Base):
    __tablename__ = "response_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(40), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    level_rows: Mapped[list[ResponsePlanLevel]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ResponsePlanLevel.level")
    tasks: Mapped[list[ResponsePlanTask]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ResponsePlanTask.position")

    @property
    def levels(self) -> list[str]:
        """Most severe first, as the levels are listed everywhere (I .. IV)."""
        return sorted((row.level for row in self.level_rows), key=LEVELS.index)


class ResponsePlanLevel(Base):
    """One level a plan is for (a plan may serve several)."""

    __tablename__ = "response_plan_levels"

    plan_id: Mapped[int] = mapped_column(ForeignKey("response_plans.id", ondelete="CASCADE"), primary_key=True)
    level: Mapped[str] = mapped_column(String(4), primary_key=True, index=True)


class ResponsePlanTask(Base):
    """One standard task of a plan: dispatched as it stands, its deadline counted from the moment of applying."""

    __tablename__ = "response_plan_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("response_plans.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    title: Mapped[str] = mapped_column(String(200))
    instructions: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[str] = mapped_column(String(10))
    due_in_minutes: Mapped[int] = mapped_column(Integer)

    co_units: Mapped[list[ResponsePlanTaskCoUnit]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def co_unit_ids(self) -> list[int]:
        return sorted(co.unit_id for co in self.co_units)


class ResponsePlanTaskCoUnit(Base):
    __tablename__ = "response_plan_task_co_units"

    task_id: Mapped[int] = mapped_column(ForeignKey("response_plan_tasks.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)


class ResponsePlanApplication(Base):
    """A plan applied to an incident: once per plan and incident (the unique pair is the last word on it)."""

    __tablename__ = "response_plan_applications"
    __table_args__ = (UniqueConstraint("plan_id", "incident_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("response_plans.id"), index=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    applied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
