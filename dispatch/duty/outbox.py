"""The outbox: what must reach people who are not looking at a screen, written in the transaction of the event
that causes it, and the escalation steps the deadline scan climbs while a silence lasts.

Registered with the log (`events.keep_in_step`): every transaction's events pass through `follow` before they
are numbered, so a notification commits or rolls back with its event. What notifies (API.md):
`task.dispatched`/`task.rerouted` -> the unit's on-duty at once, then the level's steps while the task stays
unclaimed; `instruction.issued` (and a unit added to it) -> each addressed unit's on-duty, then the steps until
that unit acknowledges; `task.overdue` -> the unit's on-duty and heads; `incident.registered` at level I or II ->
the leaders and command.

This area reads the other areas' tables (incidents, tasks, instructions) as plain columns, as statistics does;
it imports none of their code.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Integer, String, Text, column, select, table
from sqlalchemy.orm import Session

from .. import events as log
from ..auth.models import Unit, User
from ..db import UTCDateTime, utcnow
from . import roster, texts
from .models import DEFAULT_STEPS, EscalationPolicy, Escalation, Notification

INCIDENTS = table("incidents", column("id", Integer), column("ref", String), column("level", String),
                  column("kind", String), column("title", String), column("location", String))
TASKS = table("tasks", column("id", Integer), column("unit_id", Integer), column("status", String),
              column("title", String), column("due_at", UTCDateTime()))
INSTRUCTIONS = table("instructions", column("id", Integer), column("text", Text))
ADDRESSEES = table("instruction_addressees", column("instruction_id", Integer), column("unit_id", Integer),
                   column("acknowledged_at", UTCDateTime()))
# levels that tell the leaders and command the moment they are registered
URGENT_LEVELS = ("I", "II")
SCAN_BATCH = 500


@dataclass
class Message:
    """One notice to write: about what, to whom (the step's `notify`), in which words."""

    subject: str
    kind: str
    step: int
    notify: str
    text: str
    unit_id: int | None
    incident_id: int | None = None
    task_id: int | None = None
    instruction_id: int | None = None


# --- who and by which channel ------------------------------------------------------------------------------

def _channels(user: User) -> list[str]:
    """The channels configured on this server for which the person has an address."""
    config = current_app.config
    return [channel for channel, usable in (
        ("sms", config.get("DISPATCH_SMS_URL") and user.phone_encrypted),
        ("email", config.get("DISPATCH_SMTP_URL") and user.email)) if usable]


def _robots(unit: Unit | None) -> list[str]:
    if unit is None:
        return []
    return [channel for channel, url in (("dingtalk", unit.dingtalk_webhook), ("wecom", unit.wecom_webhook)) if url]


def key_of(message: Message, recipient: str, channel: str) -> str:
    """One key per notification, derived from what makes it one: a second writer of the same step is refused
    by the unique key, whichever process it runs in."""
    identity = f"{message.subject}|{message.unit_id}|{message.step}|{message.notify}|{recipient}|{channel}"
    return "dn-" + hashlib.sha256(identity.encode()).hexdigest()[:40]


def _write(session: Session, message: Message, people: list[tuple[int | None, User]], now: datetime,
           robots_of: int | None = None) -> int:
    rows = []
    seen: set[int] = set()
    for _unit_id, user in people:
        if user.id in seen:
            continue
        seen.add(user.id)
        for channel in _channels(user):
            rows.append((f"user:{user.id}", user.id, user.display_name, channel))
    unit = session.get(Unit, robots_of) if robots_of else None
    for channel in _robots(unit):
        rows.append((f"robot:{unit.id}", None, unit.name_zh or unit.name, channel))
    for recipient, user_id, name, channel in rows:
        session.add(Notification(
            key=key_of(message, recipient, channel), subject=message.subject, kind=message.kind,
            incident_id=message.incident_id, task_id=message.task_id, instruction_id=message.instruction_id,
            unit_id=message.unit_id, step=message.step, notify=message.notify, recipient=recipient,
            recipient_user_id=user_id, recipient_name=name, channel=channel, text=message.text, status="pending",
            attempts=0, next_attempt_at=now, created_at=now))
    return len(rows)


# --- the facts a text names ----------------------------------------------------------------------------

def _incident(session: Session, incident_id: int | None) -> dict[str, Any]:
    row = session.execute(select(INCIDENTS).where(INCIDENTS.c.id == incident_id)).mappings().first()
    return dict(row) if row else {"ref": "", "level": "IV", "kind": "", "title": "", "location": ""}


def _unit_name(session: Session, unit_id: int | None) -> str:
    unit = session.get(Unit, unit_id) if unit_id else None
    return (unit.name_zh or unit.name) if unit else ""


def steps_for(session: Session, level: str) -> list[dict[str, Any]]:
    policy = session.get(EscalationPolicy, level)
    return list(policy.steps) if policy is not None else [dict(step) for step in DEFAULT_STEPS]


def _words(session: Session, escalation: Escalation, step: int, after_seconds: int) -> str:
    incident = _incident(session, escalation.incident_id)
    unit = _unit_name(session, escalation.unit_id)
    minutes = max(1, round(after_seconds / 60))
    if escalation.kind == "task":
        task = session.execute(select(TASKS).where(TASKS.c.id == escalation.task_id)).mappings().first()
        if step == 0:
            return texts.task_dispatched(incident["ref"], unit, task["title"], task["due_at"])
        return texts.task_unclaimed(incident["ref"], unit, task["title"], task["due_at"], minutes)
    by = escalation.started_at + timedelta(minutes=current_app.config["INSTRUCTION_ACK_OVERDUE_MINUTES"])
    if step == 0:
        text = session.scalar(select(INSTRUCTIONS.c.text).where(INSTRUCTIONS.c.id == escalation.instruction_id))
        return texts.instruction_issued(incident["ref"], text or "", by)
    return texts.instruction_unacknowledged(incident["ref"], unit, minutes, by)


# --- escalations: a silence watched step by step --------------------------------------------------------

def _still_silent(session: Session, escalation: Escalation) -> bool:
    """The task still waits, unclaimed, at the same unit; the unit still has not acknowledged."""
    if escalation.kind == "task":
        row = session.execute(select(TASKS.c.status, TASKS.c.unit_id).where(TASKS.c.id == escalation.task_id)).first()
        return row is not None and row.status == "dispatched" and row.unit_id == escalation.unit_id
    acknowledged = session.execute(select(ADDRESSEES.c.acknowledged_at).where(
        ADDRESSEES.c.instruction_id == escalation.instruction_id, ADDRESSEES.c.unit_id == escalation.unit_id)).first()
    return acknowledged is not None and acknowledged.acknowledged_at is None


def fire_due_steps(session: Session, escalation: Escalation, now: datetime) -> int:
    """Every step whose time has come, in order; then when the next one is due. How many notices were written."""
    steps = steps_for(session, escalation.level)
    elapsed = (now - escalation.started_at).total_seconds()
    written = 0
    while escalation.next_step < len(steps) and steps[escalation.next_step]["after_seconds"] <= elapsed:
        index = escalation.next_step
        step = steps[index]
        written += _fire(session, escalation, index, step, now)
        escalation.next_step = index + 1
    escalation.next_at = (escalation.started_at + timedelta(seconds=steps[escalation.next_step]["after_seconds"])
                          if escalation.next_step < len(steps) else None)
    return written


def _fire(session: Session, escalation: Escalation, index: int, step: dict[str, Any], now: datetime) -> int:
    text = _words(session, escalation, index, step["after_seconds"])
    message = Message(subject=f"escalation:{escalation.id}", kind=escalation.kind, step=index,
                      notify=step["notify"], text=text, unit_id=escalation.unit_id,
                      incident_id=escalation.incident_id, task_id=escalation.task_id,
                      instruction_id=escalation.instruction_id)
    people = roster.people(session, step["notify"], escalation.unit_id, now)
    written = _write(session, message, people, now,
                     robots_of=escalation.unit_id if step["notify"] == "on_duty" else None)
    if index == 0 and step["notify"] != "on_duty":
        # whatever the policy's first step, the unit's on-duty hears at once
        on_duty = Message(**{**message.__dict__, "notify": "on_duty"})
        written += _write(session, on_duty, roster.people(session, "on_duty", escalation.unit_id, now), now,
                          robots_of=escalation.unit_id)
    return written


def _start(session: Session, *, kind: str, unit_id: int, incident_id: int | None, at: datetime,
           task_id: int | None = None, instruction_id: int | None = None) -> None:
    escalation = Escalation(kind=kind, unit_id=unit_id, incident_id=incident_id, task_id=task_id,
                            instruction_id=instruction_id, level=_incident(session, incident_id)["level"],
                            started_at=at, next_step=0)
    session.add(escalation)
    session.flush()
    fire_due_steps(session, escalation, at)


def _stop(session: Session, at: datetime, **match) -> None:
    query = select(Escalation).where(Escalation.stopped_at.is_(None), Escalation.kind == match.pop("kind"))
    for name, value in match.items():
        query = query.where(getattr(Escalation, name) == value)
    for escalation in session.scalars(query):
        escalation.stopped_at, escalation.next_at = at, None


def run_escalations(now: datetime | None = None) -> int:
    """The deadline scan's part: fire the steps now due of every silence that lasts; how many notices.

    Rows are locked (`FOR UPDATE SKIP LOCKED`), so two server processes never fire one step twice; the
    notification's unique key would refuse it anyway."""
    now = now or utcnow()
    written = 0
    with log.unit_of_work() as uow:
        due = uow.session.scalars(
            select(Escalation).where(Escalation.next_at <= now, Escalation.stopped_at.is_(None))
            .order_by(Escalation.next_at, Escalation.id).limit(SCAN_BATCH).with_for_update(skip_locked=True)).all()
        for escalation in due:
            if _still_silent(uow.session, escalation):
                written += fire_due_steps(uow.session, escalation, now)
            else:
                escalation.stopped_at, escalation.next_at = now, None
    return written


# --- the events that notify ---------------------------------------------------------------------------

def _task_sent(session: Session, event) -> None:
    _stop(session, event.at, kind="task", task_id=event.task_id)
    _start(session, kind="task", unit_id=event.unit_id, incident_id=event.incident_id, at=event.at,
           task_id=event.task_id)


def _task_moved(session: Session, event) -> None:
    if ((event.data or {}).get("task") or {}).get("status") != "dispatched":
        _stop(session, event.at, kind="task", task_id=event.task_id)


def _instruction_addressed(session: Session, event) -> None:
    instruction = (event.data or {}).get("instruction") or {}
    if event.type == "instruction.issued":
        unit_ids = [a["unit_id"] for a in instruction.get("addressees", []) if not a.get("acknowledged")]
    else:
        unit_ids = list((event.data or {}).get("unit_ids") or [])
    for unit_id in unit_ids:
        _start(session, kind="instruction", unit_id=unit_id, incident_id=event.incident_id, at=event.at,
               instruction_id=instruction.get("id"))


def _instruction_acknowledged(session: Session, event) -> None:
    instruction = (event.data or {}).get("instruction") or {}
    _stop(session, event.at, kind="instruction", instruction_id=instruction.get("id"), unit_id=event.unit_id)


def _task_overdue(session: Session, event) -> None:
    task = (event.data or {}).get("task") or {}
    due_at = (event.data or {}).get("due_at") or task.get("due_at")
    incident = _incident(session, event.incident_id)
    text = texts.task_overdue(incident["ref"], _unit_name(session, event.unit_id), task.get("title", ""), due_at)
    for notify in ("on_duty", "unit_head"):
        message = Message(subject=f"overdue:{event.task_id}:{due_at}", kind="overdue", step=0, notify=notify,
                          text=text, unit_id=event.unit_id, incident_id=event.incident_id, task_id=event.task_id)
        _write(session, message, roster.people(session, notify, event.unit_id, event.at), event.at,
               robots_of=event.unit_id if notify == "on_duty" else None)


def _incident_registered(session: Session, event) -> None:
    incident = _incident(session, event.incident_id)
    if incident["level"] not in URGENT_LEVELS:
        return
    text = texts.incident_registered(incident["ref"], incident["level"], incident["kind"], incident["title"],
                                     incident["location"])
    for notify in ("leaders", "command"):
        message = Message(subject=f"incident:{event.incident_id}", kind="incident", step=0, notify=notify,
                          text=text, unit_id=None, incident_id=event.incident_id)
        _write(session, message, roster.people(session, notify, None, event.at), event.at)


FOLLOWS = {
    "task.dispatched": _task_sent, "task.rerouted": _task_sent,
    "instruction.issued": _instruction_addressed, "instruction.addressed": _instruction_addressed,
    "instruction.acknowledged": _instruction_acknowledged,
    "task.overdue": _task_overdue, "incident.registered": _incident_registered,
}


def follow(session: Session, events: list) -> None:
    """Notices and escalations for a transaction's events, in that transaction."""
    if any(event.type.startswith(("task.", "instruction.", "incident.registered")) for event in events):
        session.flush()  # the rows these events describe are read back as plain columns
    for event in events:
        handler = FOLLOWS.get(event.type)
        if handler is None and event.type.startswith("task.") and event.task_id is not None:
            handler = _task_moved
        if handler is not None:
            handler(session, event)


log.keep_in_step(follow)
