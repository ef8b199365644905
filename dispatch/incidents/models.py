"""Incidents: group petitions and mass incidents, with their headcount history."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow

KINDS = ("petition", "mass_incident")
LEVELS = ("I", "II", "III", "IV")
CATEGORIES = (
    "land_acquisition", "wage_arrears", "enterprise_restructuring", "employment_social_security",
    "environmental_pollution", "law_litigation", "production_safety", "official_conduct",
    "unfair_distribution", "ethnic_religious", "historical_legacy", "other",
)
STATUSES = ("reported", "responding", "contained", "resolved", "closed")
# Statuses an incident is still being worked in (the board's "active").
ACTIVE_STATUSES = ("reported", "responding", "contained")


class Incident(Base):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(40), index=True)
    location: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    headcount: Mapped[int] = mapped_column(Integer)
    peak_headcount: Mapped[int] = mapped_column(Integer)
    demands: Mapped[str] = mapped_column(Text, default="")
    level: Mapped[str] = mapped_column(String(4), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    repeat_of_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    # the hidden danger it erupted from (promoted); that area keeps the link back
    hidden_danger_id: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    headcount_history: Mapped[list[HeadcountEntry]] = relationship(
        back_populates="incident", order_by="HeadcountEntry.id", cascade="all, delete-orphan"
    )

    def record_headcount(self, headcount: int, at: datetime, by_id: int | None) -> None:
        """Keep every estimate; the peak only ever rises."""
        self.headcount = headcount
        self.peak_headcount = max(self.peak_headcount or 0, headcount)
        self.headcount_history.append(HeadcountEntry(headcount=headcount, at=at, recorded_by_id=by_id))


class HeadcountEntry(Base):
    __tablename__ = "headcount_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    headcount: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    incident: Mapped[Incident] = relationship(back_populates="headcount_history")


class RefCounter(Base):
    """The last reference number used in a year: `INC-2026-0042` without gaps."""

    __tablename__ = "ref_counters"
    __table_args__ = (UniqueConstraint("year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    last_number: Mapped[int] = mapped_column(Integer, default=0)
