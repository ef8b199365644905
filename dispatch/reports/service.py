"""Publishing situation reports: numbered per incident, frozen, on the record."""
from __future__ import annotations

from typing import Any, Callable

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..auth import permissions
from ..auth.models import User
from ..db import db, utcnow
from ..errors import Conflict, found
from ..events import GENESIS, Event, unit_of_work
from ..labels import label
from .models import FINAL_STATUSES, KINDS, Report
from .schemas import ReportBriefSchema


def kinds_allowed(incident_status: str) -> list[str]:
    """The kinds command may publish now: the page offers these (a final report once resolved or closed)."""
    return [kind for kind in KINDS if kind != "final" or incident_status in FINAL_STATUSES]


def publish_report(*, actor: User, incident: Any, kind: str, next_steps: str, summary: str = "",
                   build: Callable[..., dict]) -> Report:
    """Command publishes a report of the (locked) incident; `build` gathers its content from the read side."""
    permissions.require(actor, "publish_report")
    if kind not in kinds_allowed(incident.status):
        raise Conflict(_("A final report is published once the incident is resolved or closed (it is {status}): "
                         "publish a follow-up report for now.").format(status=label("status", incident.status)),
                       current_status=incident.status)
    with unit_of_work() as uow:
        number = (uow.session.scalar(select(func.count(Report.id)).where(Report.incident_id == incident.id)) or 0) + 1
        content = build(uow.session, incident, summary=summary, next_steps=next_steps)
        content["published_by"] = {"name": actor.display_name, "name_zh": actor.display_name_zh or ""}
        content["chain_head"] = _chain_head(uow.session)
        report = Report(incident_id=incident.id, kind=kind, number=number, summary=summary, next_steps=next_steps,
                        content=content,
                        published_at=utcnow(), published_by_id=actor.id)
        uow.session.add(report)
        uow.session.flush()
        uow.append_event("report.published", actor=actor, incident=incident.id,
                         data={"report": ReportBriefSchema().dump(report), "incident_ref": incident.ref,
                               "incident_title": incident.title})
    return report


def _chain_head(session) -> dict[str, Any]:
    """The log's head this report saw (its footer prints it, so a paper copy can vouch for the log)."""
    head = session.execute(select(Event.seq, Event.hash).order_by(Event.seq.desc()).limit(1)).first()
    return {"seq": head.seq, "hash": head.hash} if head is not None else {"seq": 0, "hash": GENESIS}


def list_reports(*, actor: User, incident_id: int) -> list[Report]:
    """Newest first."""
    permissions.require_user(actor)
    return list(db.session.scalars(select(Report).where(Report.incident_id == incident_id)
                                   .order_by(Report.number.desc(), Report.id.desc())))


def get_report(*, actor: User, report_id: int) -> Report:
    permissions.require_user(actor)
    return found(db.session.get(Report, report_id), "report")
