"""The statistics read model: one row per unit's turn with a task, kept in step with the log.

A task is handled by one unit at a time. Dispatching it opens the first turn
(a `handling`); rerouting it closes that turn and opens one for the unit it was
routed to. Every figure per unit is counted over these turns, so a rerouted
task counts once for the unit that returned it (with its return) and once for
the unit it was routed to, from the moment it was routed there.

The rows are derived from the events only (dispatch/statistics/projection.py),
in the transaction that appends them, and can be rebuilt from the whole log
(`flask --app wsgi statistics rebuild`).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime


class TaskHandling(Base):
    __tablename__ = "task_handling"
    __table_args__ = (
        Index("ix_task_handling_received_unit", "received_at", "unit_id"),
        Index("ix_task_handling_task", "task_id", "ended_at"),
        Index("ix_task_handling_incident_claimed", "incident_id", "claimed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(Integer)
    incident_id: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(Integer)
    # `task.dispatched` (or `task.rerouted` to this unit)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # the unit's first `task.claimed` / `task.submitted` in this turn, and seconds since received
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claim_seconds: Mapped[int | None] = mapped_column(Integer)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submit_seconds: Mapped[int | None] = mapped_column(Integer)
    # the task's status and deadline after the turn's last event
    status: Mapped[str] = mapped_column(String(20))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # set when the task was rerouted away from this unit
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # overdue (by rules.is_overdue) at some moment up to the turn's last event; whether it is overdue
    # now is read at query time from status and due_at by the same rule
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    returns: Mapped[int] = mapped_column(Integer, default=0)
    supervision_notices: Mapped[int] = mapped_column(Integer, default=0)
    escalations: Mapped[int] = mapped_column(Integer, default=0)
