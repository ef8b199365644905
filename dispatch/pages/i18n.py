"""Simplified Chinese and English: the user's choice (a cookie), else the browser's language.

The words the scripts need are rendered into each page as one JSON catalogue
(`catalogue()`), so the JavaScript never carries a language of its own.
"""
from __future__ import annotations

from flask import Flask, current_app, request
from flask_babel import Babel, get_locale
from flask_babel import lazy_gettext as _l

COOKIE = "lang"

LABELS = {
    "status": {
        "reported": _l("Reported"), "responding": _l("Responding"), "contained": _l("Contained"),
        "resolved": _l("Resolved"), "closed": _l("Closed"),
    },
    "level": {"I": _l("Level I"), "II": _l("Level II"), "III": _l("Level III"), "IV": _l("Level IV")},
    "level_long": {
        "I": _l("Level I (extraordinarily serious)"), "II": _l("Level II (serious)"),
        "III": _l("Level III (relatively serious)"), "IV": _l("Level IV (general)"),
    },
    "kind": {"petition": _l("Group petition"), "mass_incident": _l("Mass incident")},
    "category": {
        "land_acquisition": _l("Land acquisition and demolition"), "wage_arrears": _l("Wage arrears"),
        "enterprise_restructuring": _l("Enterprise restructuring"),
        "employment_social_security": _l("Employment and social security"),
        "environmental_pollution": _l("Environmental pollution"), "law_litigation": _l("Law-related litigation"),
        "production_safety": _l("Safety in production"), "official_conduct": _l("Conduct of officials"),
        "unfair_distribution": _l("Unfair distribution"), "ethnic_religious": _l("Ethnic or religious affairs"),
        "historical_legacy": _l("Historical legacy"), "other": _l("Other"),
    },
    "priority": {"low": _l("Low"), "normal": _l("Normal"), "high": _l("High"), "urgent": _l("Urgent")},
    "task_status": {
        "dispatched": _l("Dispatched"), "claimed": _l("Claimed"), "in_progress": _l("In progress"),
        "submitted": _l("Submitted"), "done": _l("Done"), "returned": _l("Returned"), "cancelled": _l("Cancelled"),
    },
    "role": {"command": _l("Command duty officer"), "liaison": _l("Unit liaison"),
             "leader": _l("Leader"), "admin": _l("System administrator")},
    "task_action": {
        "claim": _l("Claim"), "start": _l("Start"), "progress": _l("Progress note"), "submit": _l("Submit as done"),
        "return": _l("Return (not our unit)"), "request_extension": _l("Request extension"),
        "approve_extension": _l("Approve extension"), "reject_extension": _l("Reject extension"),
        "verify": _l("Verify (done)"), "reject": _l("Reject (redo)"), "reroute": _l("Reroute"),
        "cancel": _l("Cancel task"), "supervise": _l("Supervision notice"),
    },
    "incident_action": {
        "respond": _l("Start responding"), "contain": _l("Mark contained"), "resolve": _l("Mark resolved"),
        "close": _l("Close"), "reopen": _l("Reopen"),
    },
    "event": {
        "incident.registered": _l("Incident registered"), "incident.updated": _l("Incident updated"),
        "incident.responded": _l("Response started"), "incident.contained": _l("Contained"),
        "incident.resolved": _l("Resolved"), "incident.closed": _l("Closed"), "incident.reopened": _l("Reopened"),
        "representative.added": _l("Representative recorded"),
        "representative.removed": _l("Representative removed"),
        "person.revealed": _l("Identity numbers viewed"), "task.dispatched": _l("Task dispatched"),
        "task.claimed": _l("Task claimed"), "task.started": _l("Task started"),
        "task.progressed": _l("Progress reported"), "task.submitted": _l("Task submitted"),
        "task.returned": _l("Task returned"), "task.rerouted": _l("Task rerouted"),
        "task.extension_requested": _l("Extension requested"),
        "task.extension_approved": _l("Extension approved"), "task.extension_rejected": _l("Extension rejected"),
        "task.verified": _l("Task verified"), "task.rejected": _l("Submission rejected"),
        "task.cancelled": _l("Task cancelled"), "task.overdue": _l("Task overdue"),
        "supervision.issued": _l("Supervision notice issued"), "supervision.escalated": _l("Escalated to leaders"),
        "instruction.issued": _l("Leader's instruction issued"),
        "instruction.acknowledged": _l("Instruction acknowledged"),
        "instruction.overdue": _l("Instruction not acknowledged in time"),
        "user.created": _l("User created"), "user.disabled": _l("User disabled"),
        "user.enabled": _l("User enabled again"), "token.issued": _l("API token issued"),
        "token.revoked": _l("API token revoked"),
    },
}

# The scripts' own words, by key.
STRINGS = {
    "live": _l("Live"), "reconnecting": _l("Reconnecting"), "catching_up": _l("Catching up"),
    "reload_needed": _l("Reload needed"), "reload": _l("Reload"),
    "stale_since": _l("Not live since {t}: what you see may be out of date. Reconnecting by itself."),
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
    "due_default": _l("Deadline (empty: the standard time limit for the level and priority)"),
    "multi_hint": _l("Ctrl + click or Shift + arrows to choose several"),
    "and_more": _l("and {n} more"),
    "none": _l("None"), "choose_incident": _l("Incident"), "from_to": _l("from {a} to {b}"),
}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang") or request.cookies.get(COOKIE)
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def locale_code() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def catalogue() -> dict:
    """Every word the scripts show, in the page's language."""
    return {
        "strings": {key: str(text) for key, text in STRINGS.items()},
        "labels": {group: {key: str(text) for key, text in words.items()} for group, words in LABELS.items()},
    }


def label(group: str, key: str | None) -> str:
    text = LABELS.get(group, {}).get(key or "")
    return str(text) if text is not None else (key or "")


def unit_name(unit) -> str:
    """A unit in the page's language: GLOSSARY names for Chinese, the English name otherwise."""
    if unit is None:
        return ""
    name_zh = unit.get("name_zh") if isinstance(unit, dict) else unit.name_zh
    name = unit.get("name") if isinstance(unit, dict) else unit.name
    return name_zh if locale_code() == "zh" and name_zh else name


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=select_locale, timezone_selector=lambda: current_app.config["DISPATCH_TIMEZONE"])
    app.jinja_env.globals.update(label=label, unit_name=unit_name, locale_code=locale_code)

    @app.after_request
    def _remember_language(response):
        """`?lang=` switches the language and keeps it for the next visits."""
        chosen = request.args.get("lang")
        if chosen in app.config["LANGUAGES"] and request.cookies.get(COOKIE) != chosen:
            response.set_cookie(COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                                secure=request.is_secure)
        return response
