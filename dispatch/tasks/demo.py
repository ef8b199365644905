"""Demo tasks for the demo incidents (API.md, "Demo data"): several units, every common state, one overdue."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ..auth.models import Unit, User
from ..db import db, utcnow
from .. import coordination
from .deadlines import scan_overdue

# (incident index, lead unit, co-handling units, title, priority, hours until due or None for the default,
#  the steps its unit and command take: (username, action, extra))
TASKS = [
    (0, "PSB", ["TWN-E"], "Keep order at the east gate and keep the road open", "urgent", None,
     [("psb", "claim", {}), ("psb", "start", {}),
      ("psb", "progress", {"note": "Forty officers on site; traffic diverted via Station Road."})]),
    (0, "HRSS", [], "Verify the wage arrears roster with the mill's administrator", "high", None,
     [("hrss", "claim", {})]),
    (0, "LVB", [], "Receive five representatives in the reception hall", "high", None,
     [("lvb", "claim", {}), ("lvb", "start", {}),
      ("lvb", "submit", {"note": "Met five representatives; demands recorded and signed."})]),
    (0, "EM", [], "Stand by with first aid at the gate", "normal", None, []),
    (1, "NR", ["TWN-W"], "Check the published compensation rate for Hexi village", "normal", None,
     [("nr", "claim", {}), ("nr", "start", {}),
      ("nr", "submit", {"note": "Rate confirmed against the 2024 notice; copy handed to the villagers."}),
      ("duty", "verify", {})]),
    (3, "HURD", [], "Explain the delivery schedule to the home buyers", "high", -2,
     [("hurd", "claim", {})]),
    (2, "EE", [], "Sample the discharge of the chemical park", "normal", 30, []),
]


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _unit(code: str) -> int:
    return db.session.scalar(select(Unit.id).where(Unit.code == code))


def seed(duty, incidents) -> None:
    """Called by dispatch.demo.load_demo with the duty officer and the registered incidents."""
    for index, lead, co, title, priority, hours, steps in TASKS:
        due_at = utcnow() + timedelta(hours=hours) if hours is not None else None
        task = coordination.dispatch_task(actor=duty, incident_id=incidents[index].id, data={
            "unit_id": _unit(lead), "co_unit_ids": [_unit(code) for code in co], "title": title,
            "instructions": "", "priority": priority, "due_at": due_at})
        for username, action, extra in steps:
            coordination.transition_task(actor=_user(username), task_id=task.id, action=action, **extra)
    scan_overdue()  # the late one is flagged at once, not at the server's first scan
