"""The audit trail a discipline office reads: administration and personal-data reveals, and the log's last check.

It is a filtered view of the one log (nothing is written twice): the events of the
types below, newest first, with the latest run of `audit verify` beside them.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from flask import current_app

from sqlalchemy import func, or_, select

from ..audit import Verdict, anchored, verify_chain
from ..auth import permissions
from ..auth.models import User
from ..db import db, utcnow
from ..events import Event
from .models import AuditCheck

# The families (`user.*`) and single types on the trail (API.md, "The county's own organisation").
FAMILIES = ("user", "unit", "token")
TYPES = ("person.revealed", "escalation_policy.updated")


def _on_trail():
    return or_(*[Event.type.like(f"{family}.%") for family in FAMILIES], Event.type.in_(TYPES))


def _of_type(type_: str):
    family = type_.removesuffix(".*")
    return Event.type.like(f"{family}.%") if "." not in family else Event.type == type_


def trail(*, actor: User | None, type_: str | None = None, actor_id: int | None = None,
          since: datetime | None = None, before: datetime | None = None, limit: int = 50,
          offset: int = 0) -> tuple[list[Event], int]:
    """The administrator reads who changed which unit, user or token, and who revealed whose numbers."""
    permissions.require(actor, "administer")
    query = select(Event).where(_on_trail())
    if type_:
        query = query.where(_of_type(type_))
    if actor_id is not None:
        query = query.where(Event.actor_id == actor_id)
    if since is not None:
        query = query.where(Event.at >= since)
    if before is not None:
        query = query.where(Event.at < before)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = list(db.session.scalars(query.order_by(Event.seq.desc()).limit(limit).offset(offset)))
    return rows, total


def last_check() -> AuditCheck | None:
    return db.session.scalar(select(AuditCheck).order_by(AuditCheck.id.desc()).limit(1))


def record(verdict: Verdict) -> AuditCheck:
    """Keep the result of one run of the check (no event: the check reads the log, it changes nothing in it)."""
    check = AuditCheck(ran_at=utcnow(), holds=verdict.holds, verified=verdict.verified,
                       broken_seq=verdict.broken_seq, reason=verdict.reason, head=verdict.head)
    db.session.add(check)
    db.session.commit()
    return check


def verify_and_record(anchors: dict[int, str] | None = None) -> AuditCheck:
    """`audit verify` itself: the whole chain recomputed from seq 1 against the heads anchored outside the
    database, and the result kept."""
    if anchors is None:
        anchors = anchored(Path(current_app.config["AUDIT_ANCHOR"]))
    return record(verify_chain(anchors))


def verify_now(*, actor: User | None) -> AuditCheck:
    """The administrator runs the check from the page (the same as the command line's)."""
    permissions.require(actor, "administer")
    return verify_and_record()
