"""Publishing situation reports: numbered per incident, frozen, on the record."""
from __future__ import annotations

from typing import Any, Callable

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..auth import permissions
from ..auth.models import User
from ..db import db, utcnow
from ..errors import Conflict, NotFound, found
from ..events import GENESIS, Event, unit_of_work
from ..labels import label
from .models import FINAL_STATUSES, KINDS, Report
from .schemas import ReportBriefSchema


def kinds_allowed(incident_status: str) -> list[str]:
    """The kinds command may publish now: the page offers these (a final report once resolved or closed)."""
    return [kind for kind in KINDS if kind != "final" or incident_status in FINAL_STATUSES]


def next_kind(reports: list[Report]) -> str:
    """The kind the form proposes: a follow-up once an initial report went out (续报 after 初报)."""
    return "follow_up" if any(report.status == "published" for report in reports) else "initial"


def _require_kind(kind: str, incident: Any) -> None:
    if kind not in kinds_allowed(incident.status):
        raise Conflict(_("A final report is published once the incident is resolved or closed (it is {status}): "
                         "publish a follow-up report for now.").format(status=label("status", incident.status)),
                       current_status=incident.status)


def _signature(user: User) -> dict[str, str]:
    return {"name": user.display_name, "name_zh": user.display_name_zh or ""}


def _publish(uow, report: Report, actor: User, incident: Any) -> None:
    """Number the report among the incident's published ones, stamp it, and tell every screen."""
    report.number = (uow.session.scalar(select(func.count(Report.id)).where(
        Report.incident_id == incident.id, Report.status == "published")) or 0) + 1
    report.status = "published"
    report.published_at = utcnow()
    report.published_by_id = actor.id
    report.content = {**report.content, "published_by": _signature(actor), "chain_head": _chain_head(uow.session)}
    uow.session.flush()
    uow.append_event("report.published", actor=actor, incident=incident.id,
                     data={"report": ReportBriefSchema().dump(report), "incident_ref": incident.ref,
                           "incident_title": incident.title})


def publish_report(*, actor: User, incident: Any, kind: str, next_steps: str, summary: str = "",
                   draft: bool = False, build: Callable[..., dict]) -> Report:
    """Command publishes a report of the (locked) incident, or drafts it for a leader to sign off (a draft is seen
    by command and the leaders only, and no event tells anyone else of it); `build` gathers its content from the
    read side."""
    permissions.require(actor, "publish_report")
    _require_kind(kind, incident)
    with unit_of_work() as uow:
        content = build(uow.session, incident, kind=kind, summary=summary, next_steps=next_steps)
        content["drafted_by"] = _signature(actor)
        report = Report(incident_id=incident.id, kind=kind, summary=summary, next_steps=next_steps, content=content,
                        status="draft", published_at=None, drafted_at=utcnow(), drafted_by_id=actor.id)
        uow.session.add(report)
        uow.session.flush()
        if not draft:
            _publish(uow, report, actor, incident)
    return report


def _chain_head(session) -> dict[str, Any]:
    """The log's head this report saw (its footer prints it, so a paper copy can vouch for the log)."""
    head = session.execute(select(Event.seq, Event.hash).order_by(Event.seq.desc()).limit(1)).first()
    return {"seq": head.seq, "hash": head.hash} if head is not None else {"seq": 0, "hash": GENESIS}


def locked(session, report_id: int) -> Report:
    return found(session.scalar(select(Report).where(Report.id == report_id).with_for_update()
                                .execution_options(populate_existing=True)), "report")


def _still_a_draft(report: Report) -> None:
    if report.status != "draft":
        raise Conflict(_("This report is already published: it is frozen. Publish a follow-up report instead."),
                       current_status=report.status)


def edit_draft(*, actor: User, report: Report, incident: Any, changes: dict[str, Any],
               build: Callable[..., dict]) -> Report:
    """Command rewrites a draft before it is signed off; its content is gathered again, as the incident is now."""
    permissions.require(actor, "publish_report")
    _still_a_draft(report)
    kind = changes.get("kind", report.kind)
    _require_kind(kind, incident)
    with unit_of_work() as uow:
        for name, value in changes.items():
            setattr(report, name, value)
        content = build(uow.session, incident, kind=kind, summary=report.summary, next_steps=report.next_steps)
        report.content = {**content, "drafted_by": report.content.get("drafted_by")}
    return report


def approve_report(*, actor: User, report: Report, incident: Any) -> Report:
    """A leader (or the command centre) signs a draft off (签发): it is published as drafted, numbered, and every
    screen sees it then."""
    permissions.require(actor, "approve_report")
    _still_a_draft(report)
    _require_kind(report.kind, incident)
    with unit_of_work() as uow:
        report.approved_by_id = actor.id
        report.content = {**report.content, "approved_by": _signature(actor)}
        _publish(uow, report, actor, incident)
    return report


def may_read_drafts(actor: User) -> bool:
    return permissions.may(actor, "read_report_drafts")


def list_reports(*, actor: User, incident_id: int) -> list[Report]:
    """Newest first (drafts first of all), drafts only for those who may read them."""
    permissions.require_user(actor)
    query = select(Report).where(Report.incident_id == incident_id)
    if not may_read_drafts(actor):
        query = query.where(Report.status == "published")
    return list(db.session.scalars(query.order_by(Report.number.desc().nulls_first(), Report.id.desc())))


def get_report(*, actor: User, report_id: int) -> Report:
    """One report; a draft is not there for a reader who may not see drafts (a liaison)."""
    permissions.require_user(actor)
    report = found(db.session.get(Report, report_id), "report")
    if report.status == "draft" and not may_read_drafts(actor):
        raise NotFound(_("No such report: reload the incident's list of reports."))
    return report


def latest_published(*, actor: User) -> dict[str, Any] | None:
    """The newest published report of any incident, as the wall's notice shows it (None before the first)."""
    permissions.require_user(actor)
    report = db.session.scalar(select(Report).where(Report.status == "published")
                               .order_by(Report.published_at.desc(), Report.id.desc()).limit(1))
    if report is None:
        return None
    incident = report.content.get("incident") or {}
    return {"report": ReportBriefSchema().dump(report), "ref": incident.get("ref"), "title": incident.get("title"),
            "at": ReportBriefSchema().dump(report)["published_at"]}
