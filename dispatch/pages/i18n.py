"""Simplified Chinese and English: the user's choice (a cookie), else the browser's language.

The words the scripts need are rendered into each page as one JSON catalogue
(`catalogue()`), so the JavaScript never carries a language of its own.
"""
from __future__ import annotations

from flask import Flask, current_app, has_request_context, request
from flask_babel import Babel
from flask_babel import lazy_gettext as _l

from .admin_words import ADMIN_STRINGS
from ..labels import LABELS, label, locale_code, unit_name, user_name

COOKIE = "lang"

# The scripts' own words, by key.
STRINGS = {
    "live": _l("Live"), "reconnecting": _l("Reconnecting"), "catching_up": _l("Catching up"),
    "reload_needed": _l("Reload needed"), "reload": _l("Reload"),
    "stale_since": _l("Not live since {t}: what you see may be out of date. Reconnecting by itself."),
    "stats_changed": _l("Changes since these figures were computed: {n}. Refresh to count them."),
    "save": _l("Save"), "cancel": _l("Cancel"), "close": _l("Close"), "confirm": _l("Confirm"),
    "saved": _l("Saved."), "working": _l("Working…"),
    "error": _l("Could not do that"), "error_conflict": _l("Someone changed this first; the page shows the latest."),
    "error_forbidden": _l("You are not allowed to do that."), "error_invalid": _l("Please check the marked fields."),
    "error_network": _l("The server did not answer; try again."), "error_signed_out": _l("Signed out; sign in again."),
    "login_failed": _l("Wrong username or password."),
    "login_throttled": _l("Too many failed attempts; wait a minute and try again."),
    "login_missing": _l("Enter your username and password."),
    "overdue": _l("Overdue"), "overdue_by": _l("overdue {t}"), "due_in": _l("{t} left"),
    "due_soon": _l("Due soon"), "ago": _l("{t} ago"),
    "n_open": _l("{n} open"), "n_overdue": _l("{n} overdue"), "n_unack": _l("{n} not acknowledged"),
    "no_incidents": _l("No active incidents match."), "no_tasks": _l("No tasks."),
    "new_incident": _l("Register incident"), "edit_incident": _l("Edit incident"),
    "change_status": _l("Change status"), "note": _l("Note"), "reason": _l("Reason"),
    "reveal": _l("Reveal"), "reveal_reason": _l("Reason for viewing the full numbers (recorded)"),
    "revealed_for": _l("Shown once; recorded in the timeline."),
    "acknowledge": _l("Acknowledge"), "acknowledged": _l("Acknowledged"),
    "not_acknowledged": _l("Not acknowledged"), "all_acknowledged": _l("All acknowledged"),
    "new_due_at": _l("New deadline"), "unit": _l("Unit"), "co_units": _l("Co-handling units"),
    "repeat_of": _l("Repeat petition of"), "peak": _l("peak {n}"), "people": _l("{n} people"),
    "escalated": _l("Escalated"), "notices": _l("Supervision notices: {n}"), "notice_n": _l("Supervision notice no. {n}"),
    "new_badge": _l("{n} new"), "by": _l("by {name}"), "dispatch_task": _l("Dispatch task"),
    "issue_instruction": _l("Issue instruction"), "instruction_text": _l("Instruction"),
    "sound_on": _l("Sound on"), "sound_off": _l("Sound off"), "loading": _l("Loading…"),
    "headcount_to": _l("Headcount {a} → {b}"), "status_to": _l("{a} → {b}"),
    "all": _l("All"), "active": _l("Active"), "total_people": _l("People on site"),
    "min": _l("{n} min"), "hours": _l("{h} h {m} min"), "days": _l("{d} d {h} h"),
    "new_instruction": _l("New leader's instruction"), "new_task": _l("New task"),
    "edit": _l("Edit"), "status": _l("Status"), "register": _l("Register"),
    "f_title": _l("Title"), "f_category": _l("Category"), "f_location": _l("Location"),
    "f_headcount": _l("Headcount"), "f_level": _l("Level"), "f_demands": _l("Demands"), "f_kind": _l("Kind"),
    "f_occurred_at": _l("Occurred at"), "f_action": _l("Action"), "f_instructions": _l("What to do"),
    "f_priority": _l("Priority"), "f_due_at": _l("Deadline"), "f_name": _l("Name"),
    "f_id_number": _l("Resident identity number"), "f_phone": _l("Phone"), "f_address": _l("Address"),
    "remove": _l("Remove"), "add_representative": _l("Record representative"),
    "unit_tasks": _l("Tasks of {unit}"), "extension_asked": _l("Extension asked to {t}"),
    "nobody_yet": _l("Not yet acknowledged by"), "acked_by": _l("Acknowledged by"),
    "escalations": _l("Escalations"), "overdue_by_unit": _l("Overdue tasks by unit"),
    "unacked_instructions": _l("Instructions not acknowledged"), "incidents_by_level": _l("Incidents by level"),
    "required": _l("Required."), "lead_unit": _l("Lead unit"),
    "situation_reports": _l("Situation reports"), "publish_report": _l("Publish report"),
    "report_kind": _l("Kind of report"), "report_summary": _l("Summary"), "report_next_steps": _l("Next steps"),
    "report_no": _l("No. {n}"), "report_page": _l("Printable page"), "report_pdf": _l("PDF"),
    "report_published": _l("Report published: it is frozen as the incident stands now."),
    "new_report": _l("New situation report"), "no_reports": _l("No report published yet."),
    "final_when_over": _l("A final report is offered once the incident is resolved or closed."),
    "due_default": _l("Deadline (empty: the standard time limit for the level and priority)"),
    "and_more": _l("and {n} more"),
    "stale_reloaded": _l("Someone saved this incident first. The form now edits their version and keeps what you typed; check what they changed, then save again."),
    "resolve_confirm": _l("{n} tasks are still open. Resolve anyway? They stay on the board until settled. Press Save again to resolve."),
    "past_due_ok": _l("The deadline is already past (recording work done late)"),
    "addressees": _l("Units that must acknowledge"),
    "addressees_hint": _l("Proposed: every unit working the incident and the command centre."),
    "none": _l("None"), "choose_incident": _l("Incident"), "from_to": _l("from {a} to {b}"),
    # What a liaison's task action did, said plainly (the flash after the click).
    "done_claim": _l("Claimed"), "done_start": _l("Started; the task is in progress"),
    "done_progress": _l("Progress note sent to the command centre"),
    "done_submit": _l("Submitted as done; awaiting the command centre's review"),
    "done_return": _l("Returned to the command centre for rerouting"),
    "done_request_extension": _l("Extension requested; awaiting the command centre's approval"),
    "report_headcount": _l("Report headcount"), "headcount_now": _l("Headcount at the scene now"),
    "headcount_reported": _l("Headcount reported: {n} people"),
    "reps_used": _l("{n} / {max} representatives recorded"),
    # hidden dangers
    "hd_record": _l("Record hidden danger"), "hd_visit": _l("Record visit"),
    "hd_people": _l("{n} people affected"), "hd_none": _l("No hidden dangers match."),
    "hd_no_visits": _l("No follow-up visits yet."), "hd_no_persons": _l("No key persons recorded."),
    "hd_raised": _l("Hidden danger {ref} ({title}) rose to high risk: a key person is a representative on {incident}."),
    "hd_risk_changed": _l("Hidden danger {ref}: {a} → {b}"),
    "hd_new_high": _l("High-risk hidden danger recorded: {ref} {title}"),
    "hd_recorded": _l("Hidden danger recorded: {ref}"), "hd_visited": _l("Visit recorded"),
    "hd_erupted_as": _l("Erupted as incident"), "hd_from": _l("From hidden danger"), "hd_count": _l("{n} shown of {total}"),
    "hd_none_high": _l("No open high-risk hidden dangers."), "hd_last_visit": _l("last visit {t}"),
    "f_people_affected": _l("People affected"), "f_risk": _l("Risk level"), "f_description": _l("Description"),
    "f_responsible_unit": _l("Responsible unit"), "f_key_person_name": _l("Key person (optional): name"),
    "f_key_person_id": _l("Key person's resident identity number"), "f_key_person_phone": _l("Key person's phone"),
    "f_visit_note": _l("What the visit found"), "f_risk_after": _l("Risk level after the visit"),
    # attachments: photos and documents, and a task's evidence
    "attach_file": _l("Attach file"), "attach_evidence": _l("Attach evidence"), "choose_file": _l("Choose a file"),
    "take_photo": _l("Take photo"), "no_attachments": _l("No attachments yet."),
    "whole_incident": _l("The incident itself"), "attach_to": _l("Attach to"), "evidence_for": _l("Evidence for task"),
    "attached": _l("Attached: {n} file(s)"), "file_required": _l("Choose a file or take a photo first."),
    "file_too_large": _l("{name} is too large: send a smaller photo or document."),
    "attach_hint": _l("Photos, PDF, Word, Excel or PowerPoint, up to {mb} MB each."),
    # meetings with the representatives, and the commitments made there
    "meetings": _l("Meetings with representatives"), "record_meeting": _l("Record meeting"),
    "no_meetings": _l("No meeting with the representatives recorded yet."),
    "f_held_at": _l("Meeting held at"), "f_place": _l("Place"), "f_reps_present": _l("Representatives present"),
    "f_units_present": _l("Units present"), "f_raised": _l("What the group raised"),
    "f_answered": _l("What they were answered"),
    "reps_present_hint": _l("Untick anyone who was not there."),
    "no_reps_for_meeting": _l("No representative recorded on this incident yet: record them first."),
    "units_present_hint": _l("Proposed: the units with tasks on this incident."),
    "meeting_recorded": _l("Meeting recorded"), "commitments": _l("Commitments"),
    "add_commitment": _l("Add commitment"), "f_commitment_text": _l("What was promised"),
    "f_commitment_unit": _l("Responsible unit"), "f_commitment_due": _l("Time limit"),
    "commitment_made": _l("Commitment made: it is a task for {unit}"),
    "no_commitments_here": _l("No commitment made at this meeting."),
    "commitments_summary": _l("Commitments: {n} — {k} kept, {l} late, {m} open"),
    "kept_kept": _l("Kept on time"), "kept_late": _l("Late"), "kept_not_kept": _l("Not kept"),
    "kept_open": _l("Open, in time"), "task_state": _l("Task"),
    "attach_to_meeting": _l("Attach minutes or photo"), "on_meeting": _l("On a meeting with representatives"),
    "meeting_at": _l("Meeting of {t}"), "meeting_files": _l("Files"),
    # response plans
    "rp_new": _l("New response plan"), "rp_edit": _l("Edit response plan"), "rp_delete": _l("Delete"),
    "rp_delete_confirm": _l("Delete “{name}”? It is no longer offered; incidents it was applied to keep their tasks."),
    "rp_apply": _l("Apply response plan"), "rp_choose": _l("Response plan"),
    "rp_matching": _l("For this category and level"), "rp_other": _l("Other plans"),
    "rp_applied_mark": _l("{name} (applied)"), "rp_none": _l("No response plans match."),
    "rp_will_dispatch": _l("Applying it dispatches these {n} tasks at once; each time limit counts from now."),
    "rp_applied_done": _l("Response plan applied: {n} tasks dispatched"),
    "rp_pick_first": _l("Choose a response plan first."), "rp_pick": _l("Choose a plan…"),
    "rp_none_to_apply": _l("No response plan yet: command or the administrator writes them on the response plans page."),
    "rp_saved": _l("Response plan saved"), "rp_deleted": _l("Response plan deleted"),
    "rp_tasks_n": _l("{n} tasks"), "rp_within": _l("within {t}"), "rp_task_n": _l("Task {n}"),
    "rp_add_task": _l("Add task"), "rp_remove_task": _l("Remove this task"), "rp_count": _l("{n} shown of {total}"),
    "f_plan_name": _l("Name of the plan"), "f_levels": _l("Levels it is for"),
    "f_due_in_minutes": _l("Time limit (minutes from dispatch)"),
    "rp_help": _l("n writes a new plan; Tab moves through each plan's buttons."),
    # the duty roster, the notification trail, the alerts
    "duty_now": _l("On duty now"), "duty_add": _l("Add shift"), "duty_copy": _l("Copy last week"),
    "duty_copied": _l("Last week's shifts copied: {n}"), "duty_remove": _l("Remove the shift {who}?"),
    "duty_nobody": _l("nobody"), "duty_rostered": _l("on the roster"), "duty_fallback": _l("no shift: all liaisons"),
    "duty_head": _l("Head"), "duty_person": _l("Person on duty"), "duty_starts": _l("From"), "duty_ends": _l("Until"),
    "trail_line": _l("{channel} to {who} ({why}) {t}"), "trail_unclaimed": _l("unclaimed"),
    "trail_unacknowledged": _l("not acknowledged"), "trail_none": _l("Nobody has been sent an SMS, e-mail or robot message about this incident."),
    "trail_task": _l("Task"), "trail_overdue": _l("Overdue"), "trail_instruction": _l("Leader's instruction"),
    "trail_incident": _l("Incident registered"),
    "alerts_on": _l("Alerts on: new work for your unit sounds and shows on the desktop."),
    "dismiss": _l("Dismiss"), "more_items": _l("{n} more not shown"), "instruction_issued": _l("Instruction issued; the units are asked to acknowledge it"), "choose_on_wall": _l("Choose an incident (or click one on the screen)"),
}
STRINGS.update(ADMIN_STRINGS)
# the leaders' picture: reports signed off, the after-action review, places and the map, the wall in turns
STRINGS.update({
    "report_draft": _l("Draft"), "report_approve": _l("Sign off"),
    "report_as_draft": _l("Save as a draft to be signed off"),
    "report_as_draft_hint": _l("A leader or the command centre signs it off before it goes out; liaisons do not see drafts."),
    "report_drafted": _l("Draft saved: it goes out once it is signed off."),
    "report_approve_intro": _l("Sign off this {kind}: it is published as drafted, numbered, and every screen shows it."),
    "review": _l("After-action review"), "review_record": _l("Record the review"),
    "review_none": _l("Not reviewed yet: the review is recorded once the incident is resolved or closed."),
    "review_recorded": _l("Reviewed {t}"), "review_summary": _l("Summary"), "review_lessons": _l("Lessons"),
    "review_improvement": _l("Improvement {n} (optional): what is to change"),
    "review_improvement_unit": _l("Improvement {n}: responsible unit"),
    "review_improvement_due": _l("Improvement {n}: deadline"),
    "review_saved": _l("Review recorded; each improvement is a task for its unit"),
    "turn_page": _l("Page {k} of {n}: the next page comes in turn"), "hd_high_title": _l("High-risk hidden dangers"),
    "map_title": _l("Map"), "map_where": _l("Where (a place, or a click on the map)"),
    "map_place": _l("Place"), "map_choose_place": _l("Choose a place…"), "map_clear": _l("No point"),
    "map_pick_help": _l("Map: click the spot, or move with the arrow keys and press Enter to take the centre"),
    "map_point": _l("Point:"), "map_no_point": _l("No point on the map."),
    "map_label": _l("Map: {n} incidents located, {m} high-risk hidden dangers"),
    "map_legend": _l("Pins by level (I red, II orange, III yellow, IV blue); a ringed pin has escalated tasks; ! a high-risk hidden danger."),
})


def select_locale() -> str:
    """The pages' choice, and the API's: `?lang`, then the cookie, then Accept-Language, else Chinese."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # a command or a background scan: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = request.args.get("lang") or request.cookies.get(COOKIE)
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def catalogue() -> dict:
    """Every word the scripts show, in the page's language."""
    return {
        "strings": {key: str(text) for key, text in STRINGS.items()},
        "labels": {group: {key: str(text) for key, text in words.items()} for group, words in LABELS.items()},
    }


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=select_locale, timezone_selector=lambda: current_app.config["DISPATCH_TIMEZONE"])
    app.jinja_env.globals.update(label=label, unit_name=unit_name, user_name=user_name, locale_code=locale_code)

    @app.after_request
    def _remember_language(response):
        """`?lang=` switches the language and keeps it for the next visits."""
        chosen = request.args.get("lang")
        if chosen in app.config["LANGUAGES"] and request.cookies.get(COOKIE) != chosen:
            response.set_cookie(COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                                secure=request.is_secure)
        return response
