"""What the organisation area keeps of its own: each run of the log's check (`audit verify`)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime


class AuditCheck(Base):
    """One run of the hash chain's check, from the command line or the administrator's page: the audit
    trail shows the latest, so a discipline office sees when the log was last proven whole."""

    __tablename__ = "audit_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime())
    holds: Mapped[bool] = mapped_column(Boolean)
    verified: Mapped[int] = mapped_column(Integer)  # events whose hash held, from seq 1 on
    broken_seq: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(200))
    head: Mapped[str] = mapped_column(String(64))  # the hash of the last event verified
