"""Who is on duty in a unit (shifts), how a silence climbs (escalation policies), and what must reach people who
are not looking at a screen (the notification outbox)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow

LEVELS = ("I", "II", "III", "IV")
NOTIFY = ("on_duty", "unit_head", "command", "leaders")
# API.md: on duty at once, the unit head after ten minutes, command after twenty, the leaders after half an hour
DEFAULT_STEPS = [{"after_seconds": 0, "notify": "on_duty"}, {"after_seconds": 600, "notify": "unit_head"},
                 {"after_seconds": 1200, "notify": "command"}, {"after_seconds": 1800, "notify": "leaders"}]
CHANNELS = ("sms", "email", "dingtalk", "wecom")
STATUSES = ("pending", "sent", "failed")
# what a notification is about: a task to claim, an instruction to acknowledge, a task past its deadline,
# a level I or II incident registered
KINDS = ("task", "instruction", "overdue", "incident")


class Shift(Base):
    """One person on duty for a unit from `starts_at` until `ends_at`."""

    __tablename__ = "shifts"
    __table_args__ = (Index("ix_shifts_unit_time", "unit_id", "starts_at", "ends_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EscalationPolicy(Base):
    """The steps for one incident level, as command last set them (a level never set follows DEFAULT_STEPS)."""

    __tablename__ = "escalation_policies"

    level: Mapped[str] = mapped_column(String(4), primary_key=True)
    steps: Mapped[list] = mapped_column(JSON)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Escalation(Base):
    """A silence being watched: a task waiting to be claimed by its unit, or an instruction waiting for one
    addressed unit's acknowledgement. The deadline scan fires its steps in turn until it stops."""

    __tablename__ = "escalations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # task or instruction
    incident_id: Mapped[int | None] = mapped_column(Integer, index=True)
    task_id: Mapped[int | None] = mapped_column(Integer, index=True)
    instruction_id: Mapped[int | None] = mapped_column(Integer, index=True)
    unit_id: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(4))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # the index of the next policy step to fire, and when it is due (None: no step left, or stopped)
    next_step: Mapped[int] = mapped_column(Integer, default=0)
    next_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Notification(Base):
    """One message to one recipient on one channel: written with the event that causes it, delivered by the
    sender, with one key however often it is tried."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # the idempotency key the gateway and the robots receive, derived from (subject, unit, step, recipient,
    # channel): unique, so one step of one silence reaches a recipient once on a channel, whichever process
    # fires it
    key: Mapped[str] = mapped_column(String(64), unique=True)
    # what caused it, e.g. escalation:12, overdue:7:2026-12-07T03:00:00, incident:4
    subject: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    incident_id: Mapped[int | None] = mapped_column(Integer, index=True)
    task_id: Mapped[int | None] = mapped_column(Integer, index=True)
    instruction_id: Mapped[int | None] = mapped_column(Integer, index=True)
    unit_id: Mapped[int | None] = mapped_column(Integer)
    step: Mapped[int] = mapped_column(Integer, default=0)
    # why this person: on_duty, unit_head, command or leaders
    notify: Mapped[str] = mapped_column(String(20))
    # user:<id> or robot:<unit id>
    recipient: Mapped[str] = mapped_column(String(40))
    recipient_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recipient_name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(Text)
