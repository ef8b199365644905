"""The domain's values named for people, in the request's language (GLOSSARY.md's words).

One vocabulary for every surface that shows a status, level, category, priority,
kind or role: the pages (through `pages.i18n`), the exported register and the
error messages. It sits below the areas so that any of them may name a value.
"""
from __future__ import annotations

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .facts.event_types import CATALOGUE


class _InBothLanguages:
    """A name written in both languages where it is defined, shown in the request's (like a lazy msgid)."""

    def __init__(self, english: str, chinese: str):
        self.english, self.chinese = english, chinese

    def __str__(self) -> str:
        return self.chinese if locale_code().startswith("zh") else self.english


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
    # the event types' names live with the types themselves, in both languages (facts/event_types.py)
    "event": {entry.type: _InBothLanguages(entry.label, entry.label_zh) for entry in CATALOGUE.values()},
    "risk": {"low": _l("Low risk"), "medium": _l("Medium risk"), "high": _l("High risk")},
    "hidden_danger_status": {"open": _l("Open (under watch)"), "resolved": _l("Resolved"), "erupted": _l("Erupted")},
    "hidden_danger_action": {"resolve": _l("Mark resolved"), "reopen": _l("Reopen"),
                             "promote": _l("Erupted: register incident")},
    "report_kind": {"initial": _l("Initial report"), "follow_up": _l("Follow-up report"),
                    "final": _l("Final report")},
    # reaching people who are not looking at a screen (dispatch/duty/)
    "notify": {"on_duty": _l("on duty"), "unit_head": _l("unit head"), "command": _l("command"),
               "leaders": _l("leaders")},
    "channel": {"sms": _l("SMS"), "email": _l("E-mail"), "dingtalk": _l("DingTalk group"),
                "wecom": _l("WeCom group")},
    "notification_status": {"pending": _l("waiting to be sent"), "sent": _l("delivered"), "failed": _l("failed")},
    "report_status": {"draft": _l("Draft"), "published": _l("Published")},
    "key_time": {"registered": _l("Registered"), "first_dispatch": _l("First task dispatched"),
                 "first_claim": _l("First task claimed"), "first_report": _l("First report published"),
                 "contained": _l("Contained"), "resolved": _l("Resolved")},
    "place_kind": {"township": _l("Township"), "village": _l("Village"), "office": _l("Office"),
                   "square": _l("Square"), "other": _l("Other place")},
}


def locale_code() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


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


def user_name(user) -> str:
    """A user's display name in the page's language (the Chinese one when they have one)."""
    if user is None:
        return ""
    return user.display_name_zh if locale_code() == "zh" and user.display_name_zh else user.display_name


def either(names: list[str]) -> str:
    """"A or B or C" in the request's language."""
    text = names[0] if names else ""
    for name in names[1:]:
        text = _("{first} or {second}").format(first=text, second=name)
    return text


def action_name(action: str) -> str:
    """An incident's, a task's or a hidden danger's action, as its button says it."""
    for group in ("incident_action", "task_action", "hidden_danger_action"):
        if action in LABELS[group]:
            return label(group, action)
    return action


def state_name(state: str) -> str:
    """An incident's, a task's or a hidden danger's status, as its badge says it."""
    for group in ("status", "task_status", "hidden_danger_status"):
        if state in LABELS[group]:
            return label(group, state)
    return state


def joined(names: list[str]) -> str:
    """"A; B; C" with the language's own separator."""
    text = names[0] if names else ""
    for name in names[1:]:
        text = _("{first}; {second}").format(first=text, second=name)
    return text
