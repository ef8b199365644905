"""Leaders' instructions and each addressed unit's acknowledgement."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, Text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import Unit
from ..db import Base, UTCDateTime, utcnow


class Instruction(Base):
    __tablename__ = "instructions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # When instruction.overdue was appended: once per instruction.
    overdue_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Addressed to every unit working the incident (the default), so units dispatched to later join it;
    # False when the leader chose the units.
    to_involved: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    addressees: Mapped[list[InstructionAddressee]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="InstructionAddressee.unit_id",
        back_populates="instruction",
    )


class InstructionAddressee(Base):
    """One addressed unit; acknowledged once."""

    __tablename__ = "instruction_addressees"

    instruction_id: Mapped[int] = mapped_column(ForeignKey("instructions.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    unit: Mapped[Unit] = relationship(lazy="joined")
    instruction: Mapped[Instruction] = relationship(back_populates="addressees")

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None
