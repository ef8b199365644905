"""Hidden dangers: contradictions found before they erupt, each with its key persons and follow-up visits.

A key person is a `persons` row (kept encrypted, found by keyed hash, shared with the representatives); the
link keeps only the masked forms, computed when the person was sealed, so reading never decrypts.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow
from ..labels import LABELS

RISKS = ("low", "medium", "high")
STATUSES = ("open", "resolved", "erupted")
# the incidents' categories, from the one vocabulary below every area
CATEGORIES = tuple(LABELS["category"])


class HiddenDanger(Base):
    __tablename__ = "hidden_dangers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(40), index=True)
    location: Mapped[str] = mapped_column(String(200))
    # where it is on the map (WGS 84), when known
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    people_affected: Mapped[int] = mapped_column(Integer)
    risk: Mapped[str] = mapped_column(String(10), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), index=True)
    # the incident it erupted into (promote)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    persons: Mapped[list[HiddenDangerPerson]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="HiddenDangerPerson.id")
    visits: Mapped[list[HiddenDangerVisit]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="HiddenDangerVisit.id")


class HiddenDangerPerson(Base):
    """A key person of a hidden danger: the person row, with the masked forms to show."""

    __tablename__ = "hidden_danger_persons"
    __table_args__ = (UniqueConstraint("hidden_danger_id", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hidden_danger_id: Mapped[int] = mapped_column(ForeignKey("hidden_dangers.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    id_number_masked: Mapped[str] = mapped_column(String(32))
    phone_masked: Mapped[str | None] = mapped_column(String(32))


class HiddenDangerVisit(Base):
    """A follow-up visit by the responsible unit (or command); it may move the risk."""

    __tablename__ = "hidden_danger_visits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hidden_danger_id: Mapped[int] = mapped_column(ForeignKey("hidden_dangers.id", ondelete="CASCADE"), index=True)
    note: Mapped[str] = mapped_column(Text)
    risk_before: Mapped[str] = mapped_column(String(10))
    risk_after: Mapped[str] = mapped_column(String(10))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    visited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    visited_by_name: Mapped[str] = mapped_column(String(200), default="")
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class HiddenDangerRefCounter(Base):
    """The last hidden danger number used in a year: `HD-2026-0007` without gaps."""

    __tablename__ = "hidden_danger_ref_counters"
    __table_args__ = (UniqueConstraint("year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    last_number: Mapped[int] = mapped_column(Integer, default=0)
