"""What changed since an incident's last published report (a follow-up says this, not everything again).

Read from the log: the events on the incident after the previous report went
out, so the answer is what every screen saw happen, in order.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth.models import Unit
from ..events import Event
from ..incidents.models import Incident
from ..reports.models import Report
from ..schemas import shown_time

SETTLED = ("task.verified", "task.cancelled")
COUNTED = ("task.dispatched", *SETTLED, "instruction.issued", "meeting.held", "commitment.made")


def _unit(units: dict[int, Unit], unit_id: int | None) -> dict[str, Any]:
    unit = units.get(unit_id)
    return {"id": unit_id, "code": unit.code if unit else "", "name": unit.name if unit else "",
            "name_zh": (unit.name_zh or "") if unit else ""}


def previous_report(session: Session, incident_id: int) -> Report | None:
    return session.scalar(select(Report).where(Report.incident_id == incident_id, Report.status == "published")
                          .order_by(Report.number.desc()).limit(1))


def since_last_report(session: Session, incident: Incident) -> dict[str, Any] | None:
    """Headcount then and now; tasks dispatched and settled, instructions, meetings and commitments since; None
    when no report has gone out yet."""
    previous = previous_report(session, incident.id)
    if previous is None:
        return None
    units = {unit.id: unit for unit in session.scalars(select(Unit))}
    events = list(session.scalars(select(Event).where(Event.incident_id == incident.id, Event.type.in_(COUNTED),
                                                      Event.at > previous.published_at).order_by(Event.seq)))

    def of(*types: str) -> list[tuple[Event, dict]]:
        return [(event, event.data or {}) for event in events if event.type in types]

    return {
        "since": shown_time(previous.published_at),
        "since_report": {"id": previous.id, "kind": previous.kind, "number": previous.number},
        "headcount": {"from": (previous.content.get("incident") or {}).get("headcount"), "to": incident.headcount},
        "tasks_dispatched": [{"title": data["task"]["title"], "unit": _unit(units, data["task"].get("unit_id")),
                              "at": shown_time(event.at)} for event, data in of("task.dispatched")],
        "tasks_settled": [{"title": data["task"]["title"], "unit": _unit(units, data["task"].get("unit_id")),
                           "status": data["task"].get("status"), "at": shown_time(event.at)}
                          for event, data in of(*SETTLED)],
        "instructions": [{"text": data["instruction"]["text"], "at": shown_time(event.at)}
                         for event, data in of("instruction.issued")],
        "meetings": [{"place": data["meeting"].get("place", ""), "held_at": data["meeting"].get("held_at")}
                     for event, data in of("meeting.held")],
        "commitments": [{"text": data["commitment"].get("text", ""),
                         "unit": _unit(units, data["commitment"].get("unit_id")),
                         "due_at": data["commitment"].get("due_at")} for event, data in of("commitment.made")],
    }
