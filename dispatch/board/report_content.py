"""A situation report's content: the incident as it stands, gathered from every area (the read side).

The content is plain data that does not depend on the reader's language: codes
for statuses, levels and kinds, both names of each unit and user, times as
shown in the configured zone. The report page and the PDF name the codes in the
reader's language; the content itself never changes once published. Identity
numbers and phones are masked here, before anything is stored.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import personal_data
from ..attachments.models import Attachment
from ..auth import permissions
from ..auth.models import Unit, User
from ..db import db, utcnow
from ..errors import found
from ..events import Event
from ..incidents.models import Incident
from ..instructions.models import Instruction
from ..reports import service as reports
from ..representatives.models import Representative
from ..schemas import shown_time
from ..tasks.models import Task
from ..facts import rules
from . import report_changes
from . import service as board


def _unit(unit: Unit | None) -> dict[str, Any]:
    if unit is None:
        return {"id": None, "code": "", "name": "", "name_zh": ""}
    return {"id": unit.id, "code": unit.code, "name": unit.name, "name_zh": unit.name_zh or ""}


def _person(user: User | None) -> dict[str, str] | None:
    if user is None:
        return None
    return {"name": user.display_name, "name_zh": user.display_name_zh or ""}


def _facts(incident: Incident) -> dict[str, Any]:
    return {"id": incident.id, "ref": incident.ref, "title": incident.title, "kind": incident.kind,
            "category": incident.category, "level": incident.level, "status": incident.status,
            "location": incident.location, "occurred_at": shown_time(incident.occurred_at),
            "headcount": incident.headcount, "peak_headcount": incident.peak_headcount,
            "demands": incident.demands or ""}


def _representatives(session: Session, incident_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(select(Representative).where(Representative.incident_id == incident_id,
                                                        Representative.removed_at.is_(None))
                           .order_by(Representative.id))
    return [{"name": rep.person.name, "note": rep.note or "",
             "id_number": personal_data.mask_id_number(rep.person.id_number_masked),
             "phone": personal_data.mask_phone(rep.person.phone_masked) if rep.person.phone_masked else None}
            for rep in rows]


# What a unit did on a task, as the log tells it (the last of these is shown under the task).
TASK_STEPS = ("task.claimed", "task.started", "task.progressed", "task.submitted", "task.returned",
              "task.extension_requested", "task.extension_approved", "task.extension_rejected", "task.verified",
              "task.rejected", "task.rerouted", "task.cancelled", "supervision.issued", "supervision.escalated")


def _last_steps(session: Session, incident_id: int) -> dict[int, dict[str, Any]]:
    """Each task's latest step from the log: what happened, when, and what was said."""
    last: dict[int, dict[str, Any]] = {}
    rows = session.execute(select(Event.task_id, Event.type, Event.at, Event.data)
                           .where(Event.incident_id == incident_id, Event.task_id.is_not(None),
                                  Event.type.in_(TASK_STEPS)).order_by(Event.seq))
    for task_id, type_, at, data in rows:
        data = data or {}
        notice = data.get("notice") or {}
        said = data.get("note") or data.get("reason") or notice.get("note") or ""
        last[task_id] = {"event": type_, "at": shown_time(at), "note": str(said)[:500]}
    return last


def _tasks(session: Session, incident_id: int, units: dict[int, Unit], now) -> tuple[list[dict], list[dict]]:
    """The tasks grouped by lead unit (in the order the units were first given work), and the open ones that
    are late."""
    groups: dict[int, dict[str, Any]] = {}
    steps = _last_steps(session, incident_id)
    overdue: list[dict[str, Any]] = []
    for task in session.scalars(select(Task).where(Task.incident_id == incident_id).order_by(Task.id)):
        late = rules.is_overdue(task.status, task.due_at, now)
        row = {"id": task.id, "title": task.title, "status": task.status, "priority": task.priority,
               "dispatched_at": shown_time(task.created_at), "due_at": shown_time(task.due_at),
               "updated_at": shown_time(task.updated_at), "overdue": late,
               "open": task.status not in rules.SETTLED, "supervision_count": task.supervision_count,
               "co_units": [_unit(units.get(co.unit_id)) for co in task.co_units], "last_step": steps.get(task.id)}
        group = groups.setdefault(task.unit_id, {"unit": _unit(units.get(task.unit_id)), "tasks": []})
        group["tasks"].append(row)
        if late:
            overdue.append({**row, "unit": group["unit"]})
    return list(groups.values()), overdue


def _instructions(session: Session, incident_id: int, units: dict[int, Unit],
                  users: dict[int, User]) -> list[dict[str, Any]]:
    rows = session.scalars(select(Instruction).where(Instruction.incident_id == incident_id).order_by(Instruction.id))
    return [{"id": instruction.id, "text": instruction.text, "issued_at": shown_time(instruction.issued_at),
             "issued_by": _person(users.get(instruction.issued_by_id)),
             "addressees": [{"unit": _unit(units.get(a.unit_id)), "acknowledged_at": shown_time(a.acknowledged_at),
                             "acknowledged_by": _person(users.get(a.acknowledged_by_id))}
                            for a in instruction.addressees]}
            for instruction in rows]


def _meetings(session: Session, incident_id: int, units: dict[int, Unit]) -> tuple[list[dict], list[dict]]:
    """The meetings (representatives by name only, with how many files each has: their names are in the annex)
    and the commitments with whether each was kept, as of now."""
    files = dict(session.execute(
        select(Attachment.meeting_id, func.count())
        .where(Attachment.incident_id == incident_id, Attachment.meeting_id.is_not(None))
        .group_by(Attachment.meeting_id)).all())
    meetings = [{**meeting, "units": [_unit(units.get(unit_id)) for unit_id in meeting.get("unit_ids") or []],
                 "attachments": files.get(meeting["id"], 0)}
                for meeting in board.meetings_for_incident(incident_id)]
    commitments = [{**commitment, "unit": _unit(units.get(commitment.get("unit_id")))}
                   for commitment in board.commitments_for_incident(incident_id)]
    return meetings, commitments


def _attachments(session: Session, incident_id: int, units: dict[int, Unit],
                 users: dict[int, User]) -> dict[str, Any]:
    """The annex: the incident's own files by name, hash and who sent them; a task's evidence only counted, as
    its files are for command, leaders and the task's units while a report is for every reader."""
    rows = list(session.scalars(select(Attachment).where(Attachment.incident_id == incident_id)
                                .order_by(Attachment.id)))
    return {"files": [{"name": row.name, "size": row.size, "content_type": row.content_type,
                       "sha256": row.sha256, "uploaded_at": shown_time(row.uploaded_at),
                       "uploaded_by": _person(users.get(row.uploaded_by_id)) or {"name": row.uploaded_by_name or ""},
                       "unit": _unit(units.get(row.uploaded_by_unit_id)) if row.uploaded_by_unit_id else None}
                      for row in rows if row.task_id is None],
            "evidence_count": sum(1 for row in rows if row.task_id is not None)}


def build(session: Session, incident: Incident, *, summary: str, next_steps: str,
          kind: str = "initial") -> dict[str, Any]:
    """Everything a report shows, as data, at this moment; a follow-up or final report also says what changed
    since the last one went out."""
    now = utcnow()
    units = {unit.id: unit for unit in session.scalars(select(Unit))}
    users = {user.id: user for user in session.scalars(select(User))}
    by_unit, overdue = _tasks(session, incident.id, units, now)
    meetings, commitments = _meetings(session, incident.id, units)
    open_count = sum(1 for group in by_unit for task in group["tasks"] if task["open"])
    return {
        "generated_at": shown_time(now),
        "incident": _facts(incident),
        "headcount_history": [{"headcount": entry.headcount, "at": shown_time(entry.at)}
                              for entry in incident.headcount_history],
        "representatives": _representatives(session, incident.id),
        "tasks_by_unit": by_unit,
        "open_tasks": open_count,
        "overdue_tasks": overdue,
        "instructions": _instructions(session, incident.id, units, users),
        "meetings": meetings,
        "commitments": commitments,
        "attachments": _attachments(session, incident.id, units, users),
        "summary": summary,
        "next_steps": next_steps,
        "changes": report_changes.since_last_report(session, incident) if kind != "initial" else None,
    }


def reports_of(*, actor: User, incident_id: int) -> list:
    """An incident's reports, newest first (404 when there is no such incident)."""
    permissions.require_user(actor)
    found(db.session.get(Incident, incident_id), "incident")
    return reports.list_reports(actor=actor, incident_id=incident_id)
