"""Writes that touch several areas, in one place: each is one transaction (one unit of work).

The domain areas never import one another; where a change in one needs a fact
or a follow-up in another (a task needs its incident, closing needs every task
settled, a newly dispatched unit joins the incident's instructions), it is
composed here from each area's own verbs.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Callable

from flask import Flask
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from .attachments import service as attachments
from .auth import permissions
from .auth.models import User
from .auth.service import require_units
from .facts import rules
from .db import db, utcnow
from .duty import outbox
from .errors import Conflict, Forbidden, Invalid
from .events import unit_of_work
from .labels import joined, state_name
from .hidden_dangers import service as hidden_dangers
from .incidents import service as incidents
from .instructions import service as instructions
from .board import report_content
from .reports import service as reports
from .meetings import service as meetings
from .representatives import service as representatives
from .response_plans import service as response_plans
from .reviews import service as reviews
from .tasks import deadlines
from .tasks import service as tasks
from .tasks.models import Task

log = logging.getLogger("dispatch.coordination")


def _no_unsettled_tasks(session, incident, action: str) -> None:
    """An incident closes only when every task on it is settled; the refusal names them."""
    if action != "close":
        return
    unsettled = tasks.unsettled_on(session, incident.id)
    if unsettled:
        raise Conflict(_("The incident cannot be closed: tasks still unsettled ({n}): {tasks}. Verify or cancel "
                         "them first.").format(n=len(unsettled), tasks=joined([t.title for t in unsettled])),
                       current_status=incident.status,
                       unsettled_tasks=[{"id": t.id, "title": t.title, "status": t.status, "unit_id": t.unit_id}
                                        for t in unsettled])


def transition_incident(*, actor: User, incident_id: int, action: str, note: str | None = None):
    return incidents.transition_incident(actor=actor, incident_id=incident_id, action=action, note=note,
                                         guard=_no_unsettled_tasks)


def dispatch_task(*, actor: User, incident_id: int, data: dict[str, Any]):
    """The task on its (locked) incident; its units join the incident's instructions."""
    permissions.require(actor, "dispatch_task")
    with unit_of_work() as uow:
        incident = incidents.locked(uow.session, incident_id)
        task = tasks.dispatch_task(actor=actor, incident=incident, data=data)
        instructions.address_units(actor=actor, incident_id=incident.id, unit_ids=[task.unit_id, *task.co_unit_ids])
    return task


def transition_task(*, actor: User, task_id: int, action: str, **args: Any):
    """A task moves on; a task rerouted to another unit brings that unit into the incident's instructions."""
    with unit_of_work():
        task = tasks.transition_task(actor=actor, task_id=task_id, action=action, **args)
        if action == "reroute":
            instructions.address_units(actor=actor, incident_id=task.incident_id, unit_ids=[task.unit_id])
    return task


def issue_instruction(*, actor: User, incident_id: int, text: str, unit_ids: list[int] | None = None):
    """A leader's instruction to the units chosen, or to every unit with a live (open) task on the incident
    and CC."""
    permissions.require(actor, "issue_instruction")
    with unit_of_work() as uow:
        incident = incidents.locked(uow.session, incident_id)
        return instructions.issue_instruction(
            actor=actor, incident_id=incident.id, text=text, unit_ids=unit_ids,
            involved_unit_ids=tasks.involved_unit_ids(uow.session, incident.id, live_only=True))


def report_headcount(*, actor: User, incident_id: int, headcount: int, note: str | None = None):
    """Command, or a liaison whose unit works the incident, reports how many are at the scene."""
    permissions.require(actor, "report_headcount")
    with unit_of_work() as uow:
        incident = incidents.locked(uow.session, incident_id)
        if actor.role == "liaison" and not tasks.has_live_task(uow.session, incident.id, actor.unit_id):
            raise Forbidden(_("Only a unit with a live task on this incident reports its headcount: command "
                              "reports it otherwise."))
        return incidents.report_headcount(actor=actor, incident_id=incident.id, headcount=headcount, note=note)


def apply_response_plan(*, actor: User, incident_id: int, plan_id: int) -> list[Task]:
    """Command applies a response plan: every task of it dispatched at once, in one transaction, each exactly as a
    hand-dispatched task (its own `task.dispatched`, pushed live, supervised alike), the deadlines counted from now.
    A second time for the same incident is refused and changes nothing."""
    permissions.require(actor, "apply_response_plan")
    with unit_of_work() as uow:
        incident = incidents.locked(uow.session, incident_id)
        plan = response_plans.locked(uow.session, plan_id)
        if incident.status not in rules.ACTIVE_INCIDENT:
            raise Conflict(_("The incident is already “{status}”: reopen it before applying a response plan.")
                           .format(status=state_name(incident.status)), current_status=incident.status)
        response_plans.record_application(actor=actor, plan=plan, incident=incident)
        now = utcnow()
        dispatched = [tasks.dispatch_task(actor=actor, incident=incident, data=response_plans.task_data(step, now))
                      for step in plan.tasks]
        instructions.address_units(actor=actor, incident_id=incident.id, unit_ids=sorted(
            {unit_id for task in dispatched for unit_id in (task.unit_id, *task.co_unit_ids)}))
        response_plans.mark_applied(actor=actor, plan=plan, incident=incident, task_ids=[task.id for task in dispatched])
    return dispatched


# --- hidden dangers ------------------------------------------------------------

def record_hidden_danger(*, actor: User, data: dict[str, Any]):
    """A hidden danger with its key persons: each one the same `persons` row a representative would be (found by
    keyed hash, created if new), so a person links across areas."""
    hidden_dangers.check_may_record(actor=actor, unit_id=data["unit_id"])
    with unit_of_work() as uow:
        key_persons = [representatives.person_for(uow.session, person) for person in data.get("persons") or []]
        return hidden_dangers.record_hidden_danger(actor=actor, data=data, key_persons=key_persons)


def promote_hidden_danger(*, actor: User, hidden_danger_id: int, data: dict[str, Any]):
    """The hidden danger erupted: an incident is registered from it, and each records the other."""
    permissions.require(actor, "promote_hidden_danger")
    with unit_of_work() as uow:
        danger = hidden_dangers.locked(uow.session, hidden_danger_id)
        hidden_dangers.check_may_promote(actor=actor, danger=danger)
        incident = incidents.register_incident(actor=actor, data={**data, "hidden_danger_id": danger.id})
        hidden_dangers.mark_erupted(actor=actor, danger=danger, incident=incident)
    return incident


def add_representative(*, actor: User, incident_id: int, data: dict[str, Any]):
    """A representative on an incident; a key person of an open hidden danger raises its risk to high, in the same
    transaction, and command sees it live."""
    with unit_of_work() as uow:
        listed = representatives.add_representative(actor=actor, incident_id=incident_id, data=data,
                                                     incidents=incidents)
        incident = incidents.rows(uow.session, {incident_id})[incident_id]
        hidden_dangers.raise_risk_for_person(actor=actor, person_id=listed.representative.person_id,
                                             incident=incident)
    return listed


def remove_representative(*, actor: User, representative_id: int) -> None:
    """Command takes a representative off the incident (the incidents relinked are handed to that area)."""
    representatives.remove_representative(actor=actor, representative_id=representative_id, incidents=incidents)


# --- attachments ----------------------------------------------------------------

def _may_attach(session, actor: User, incident_id: int, task_id: int | None, meeting_id: int | None = None) -> None:
    """Command attaches anywhere on the incident; a liaison only where their unit works (lead or co-handling):
    to one of their unit's tasks, or to the incident (or one of its meetings) when their unit has a task on it."""
    task = session.get(Task, task_id) if task_id is not None else None
    if task_id is not None and (task is None or task.incident_id != incident_id):
        raise Invalid(_("That task is not on this incident: choose one of the incident's tasks, or none."),
                      fields={"task_id": [_("No task {id} on this incident.").format(id=task_id)]})
    if meeting_id is not None:
        _meeting_on_incident(session, incident_id, meeting_id, with_task=task_id is not None)
    if actor.role != "liaison":
        return
    if task is not None and actor.unit_id not in (task.unit_id, *task.co_unit_ids):
        raise Forbidden(_("This task belongs to another unit: attach evidence to your own unit's tasks."))
    if task is None and actor.unit_id not in tasks.involved_unit_ids(session, incident_id):
        raise Forbidden(_("Only a unit with a task on this incident attaches files to it: command attaches "
                          "them otherwise."))


def _meeting_on_incident(session, incident_id: int, meeting_id: int, *, with_task: bool) -> None:
    """A meeting's file belongs to one of this incident's meetings, and to the meeting alone (not a task too)."""
    meeting = meetings.find(session, meeting_id)
    if meeting is None or meeting.incident_id != incident_id:
        raise Invalid(_("That meeting is not on this incident: choose one of the incident's meetings, or none."),
                      fields={"meeting_id": [_("No meeting {id} on this incident.").format(id=meeting_id)]})
    if with_task:
        raise Invalid(_("A file goes either to a meeting or to a task as evidence, not to both."),
                      fields={"meeting_id": [_("Leave this out when the file is a task's evidence.")]})


def add_attachment(*, actor: User, incident_id: int, stream, filename: str | None, task_id: int | None = None,
                   meeting_id: int | None = None, note: str | None = None):
    """A photo or document on the incident, on one of its meetings, or evidence on one of its tasks; who may is
    checked before the file is read, and again in the transaction that keeps it. A refusal keeps nothing."""
    permissions.require(actor, "add_attachment")
    incidents.get_incident(actor=actor, incident_id=incident_id)  # 404 before reading anything
    _may_attach(db.session, actor, incident_id, task_id, meeting_id)
    received = attachments.receive(stream, filename, owner=actor.id)
    try:
        with unit_of_work() as uow:
            incident = incidents.locked(uow.session, incident_id)
            _may_attach(uow.session, actor, incident.id, task_id, meeting_id)
            return attachments.add_attachment(actor=actor, incident_id=incident.id, task_id=task_id, note=note,
                                              received=received, meeting_id=meeting_id)
    except BaseException:
        attachments.discard(received)
        raise


def publish_report(*, actor: User, incident_id: int, kind: str, next_steps: str, summary: str = "",
                   draft: bool = False):
    """Command publishes a situation report, or drafts one for sign-off: the incident is locked while its content
    is gathered, so the report is one consistent moment of it."""
    permissions.require(actor, "publish_report")
    with unit_of_work() as uow:
        incident = incidents.locked(uow.session, incident_id)
        return reports.publish_report(actor=actor, incident=incident, kind=kind, summary=summary,
                                      next_steps=next_steps, draft=draft, build=report_content.build)


def edit_report(*, actor: User, report_id: int, changes: dict[str, Any]):
    """Command rewrites a draft; its content is gathered again from the (locked) incident."""
    permissions.require(actor, "publish_report")
    with unit_of_work() as uow:
        report = reports.locked(uow.session, report_id)
        incident = incidents.locked(uow.session, report.incident_id)
        return reports.edit_draft(actor=actor, report=report, incident=incident, changes=changes,
                                  build=report_content.build)


def approve_report(*, actor: User, report_id: int, incident_id: int | None = None):
    """A leader or command signs a draft off: published, numbered, pushed to every screen. Naming the incident
    guards against signing another incident's report."""
    permissions.require(actor, "approve_report")
    with unit_of_work() as uow:
        report = reports.locked(uow.session, report_id)
        if incident_id is not None and incident_id != report.incident_id:
            raise Invalid(_("This report belongs to another incident: open that incident's reports to sign it off."),
                          fields={"incident_id": [_("Report {id} is not a report of this incident.").format(id=report_id)]})
        incident = incidents.locked(uow.session, report.incident_id)
        return reports.approve_report(actor=actor, report=report, incident=incident)


def record_meeting(*, actor: User, incident_id: int, data: dict[str, Any]):
    """A meeting with the incident's representatives (only those recorded on it, named as they are now)."""
    permissions.require(actor, "record_meeting")
    with unit_of_work() as uow:
        incident = incidents.locked(uow.session, incident_id)
        on_incident = representatives.names_on_incident(uow.session, incident.id)
        wanted = list(dict.fromkeys(data["representative_ids"]))
        strangers = [rep_id for rep_id in wanted if rep_id not in on_incident]
        if strangers:
            raise Invalid(_("Choose the representatives from this incident's own representatives."),
                          fields={"representative_ids": [
                              _("No representative of this incident has the id {id}.").format(id=strangers[0])]})
        return meetings.record_meeting(actor=actor, incident_id=incident.id, data=data,
                                       representative_names={rep_id: on_incident[rep_id] for rep_id in wanted})


COMMITMENT_TITLE = 200


def make_commitment(*, actor: User, meeting_id: int, data: dict[str, Any]):
    """A promise made at a meeting: also a task for the unit on the incident, tracked like any other."""
    permissions.require(actor, "make_commitment")
    with unit_of_work() as uow:
        meeting = meetings.get(uow.session, meeting_id)
        title = _("Commitment: {text}").format(text=" ".join(data["text"].split()))
        if len(title) > COMMITMENT_TITLE:
            title = title[:COMMITMENT_TITLE - 1] + "…"
        task = dispatch_task(actor=actor, incident_id=meeting.incident_id, data={
            "unit_id": data["unit_id"], "title": title, "instructions": data["text"],
            "priority": data.get("priority") or "high", "due_at": data["due_at"], "co_unit_ids": []})
        return meetings.add_commitment(actor=actor, meeting=meeting, data=data, task_id=task.id)


IMPROVEMENT_TITLE = 200


def record_review(*, actor: User, incident_id: int, data: dict[str, Any]):
    """Command reviews a resolved or closed incident: each improvement becomes a task for its unit on the incident
    (dispatched like any, so it is tracked, supervised and escalated), in the one transaction with the review."""
    permissions.require(actor, "record_review")
    with unit_of_work() as uow:
        incident = incidents.locked(uow.session, incident_id)
        reviews.check_reviewable(incident)
        task_ids = []
        for index, item in enumerate(data["improvements"]):
            title = _("Improvement: {text}").format(text=" ".join(item["text"].split()))
            if len(title) > IMPROVEMENT_TITLE:
                title = title[:IMPROVEMENT_TITLE - 1] + "…"
            require_units(uow.session, [item["unit_id"]], f"improvements.{index}.unit_id")
            task = tasks.dispatch_task(actor=actor, incident=incident, after_review=True, data={
                "unit_id": item["unit_id"], "title": title, "instructions": item["text"], "priority": "normal",
                "due_at": item["due_at"], "co_unit_ids": []})
            task_ids.append(task.id)
        return reviews.record_review(actor=actor, incident=incident, data=data, task_ids=task_ids)


# --- deadlines ------------------------------------------------------------------

def scan(now: datetime | None = None) -> dict[str, int]:
    """One pass over every deadline: late tasks, unacknowledged instructions, and the escalation steps now due."""
    return {"tasks": deadlines.scan_overdue(now), "instructions": instructions.flag_overdue_instructions(now),
            "escalations": outbox.run_escalations(now)}


def run_deadline_loop(app: Flask, *, sleep: Callable[[float], object]) -> None:
    """Scan every DISPATCH_OVERDUE_SCAN_SECONDS, for as long as the server runs.

    The loop is handed its sleep function, so nothing here imports the green-thread library."""
    while True:
        sleep(app.config["DISPATCH_OVERDUE_SCAN_SECONDS"])
        with app.app_context():
            try:
                scan()
            except SQLAlchemyError:
                # the database went away for a moment; the next pass catches up
                log.exception("deadline scan failed")
            finally:
                db.session.remove()
