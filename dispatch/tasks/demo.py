"""Demo tasks for the demo incidents (API.md, "Demo data"): several units, every common state, one overdue."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from .. import coordination
from ..auth.models import Unit, User
from ..db import db, utcnow
from ..demo_language import in_demo_language
from .deadlines import scan_overdue

# (incident index, lead unit, co-handling units, priority, hours until due or None for the default,
#  the steps its unit and command take: (username, action, whether the step says something))
TASKS = [
    (0, "PSB", ["TWN-E"], "urgent", None, [("psb", "claim", False), ("psb", "start", False),
                                          ("psb", "progress", True)]),
    (0, "HRSS", [], "high", None, [("hrss", "claim", False)]),
    (0, "LVB", [], "high", None, [("lvb", "claim", False), ("lvb", "start", False), ("lvb", "submit", True)]),
    (0, "EM", [], "normal", None, []),
    (1, "NR", ["TWN-W"], "normal", None, [("nr", "claim", False), ("nr", "start", False), ("nr", "submit", True),
                                          ("duty", "verify", False)]),
    (3, "HURD", [], "high", -2, [("hurd", "claim", False)]),
    (2, "EE", [], "normal", 30, []),
]
# Each task's title and what its speaking steps say, in each language.
WORDS = {
    "zh": [
        ("维护县政府东门现场秩序，保障道路畅通", ["现场警力四十人，过往车辆已经车站路分流。"]),
        ("会同纺织厂管理人核实欠薪职工名册", []),
        ("在接待大厅接谈五名职工代表", ["已接谈五名代表，诉求已逐项记录并签字确认。"]),
        ("在东门安排医疗救护力量现场待命", []),
        ("核实河西村征地补偿的公布标准", ["已对照2024年补偿公告核实标准，并将复印件交给村民代表。"]),
        ("向购房户说明交房时间安排", []),
        ("对化工园区排污口取样检测", []),
    ],
    "en": [
        ("Keep order at the east gate and keep the road open",
         ["Forty officers on site; traffic diverted via Station Road."]),
        ("Verify the wage arrears roster with the mill's administrator", []),
        ("Receive five representatives in the reception hall",
         ["Met five representatives; demands recorded and signed."]),
        ("Stand by with first aid at the gate", []),
        ("Check the published compensation rate for Hexi village",
         ["Rate confirmed against the 2024 notice; copy handed to the villagers."]),
        ("Explain the delivery schedule to the home buyers", []),
        ("Sample the discharge of the chemical park", []),
    ],
}


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _unit(code: str) -> int:
    return db.session.scalar(select(Unit.id).where(Unit.code == code))


def seed(duty, incidents) -> None:
    """Called by dispatch.demo.load_demo with the duty officer and the registered incidents."""
    for (index, lead, co, priority, hours, steps), (title, notes) in zip(TASKS, in_demo_language(WORDS)):
        due_at = utcnow() + timedelta(hours=hours) if hours is not None else None
        task = coordination.dispatch_task(actor=duty, incident_id=incidents[index].id, data={
            "unit_id": _unit(lead), "co_unit_ids": [_unit(code) for code in co], "title": title,
            "instructions": "", "priority": priority, "due_at": due_at})
        said = iter(notes)
        for username, action, speaks in steps:
            extra = {"note": next(said)} if speaks else {}
            coordination.transition_task(actor=_user(username), task_id=task.id, action=action, **extra)
    scan_overdue()  # the late one is flagged at once, not at the server's first scan
