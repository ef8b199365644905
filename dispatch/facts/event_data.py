"""An event's `data` holds facts; what a screen shows of it is built when it is read or pushed.

`facts()` runs when an event is appended: every time becomes UTC and every flag
that depends on the clock (overdue, due soon, how long a unit has kept a leader
waiting) is dropped, so the log says what happened, not how it looked then.
`presented()` runs when an event is read or pushed: times in the configured
zone and the flags derived now, by the rules of `rules.py` beside it. Events written
before this (times already in the display zone, flags frozen) read the same way.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from ..db import utcnow
from ..schemas import display_zone, shown_time
from . import rules

CLOCK_FLAGS = frozenset({"overdue", "due_soon", "waiting_seconds"})
# What events appended before the red team's second round still hold but not every receiver may read (a
# task's evidence: its file name, note, size, type and hash). The log keeps them (the chain covers them);
# no screen is ever given them: the attachment itself is read through the API, which checks who asks.
WITHHELD = {"attachment": frozenset({"name", "note", "size", "content_type", "sha256"})}


def _is_time_key(key: str) -> bool:
    return key == "at" or key.endswith("_at") or key == "waiting_since"


def _parsed(value: Any) -> datetime | None:
    if not isinstance(value, str) or not 19 <= len(value) <= 40:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _walk(value: Any, on_dict) -> Any:
    if isinstance(value, dict):
        return on_dict({key: _walk(item, on_dict) for key, item in value.items()})
    if isinstance(value, list):
        return [_walk(item, on_dict) for item in value]
    return value


def _times(data: dict, convert) -> dict:
    for key, value in data.items():
        if _is_time_key(key) and (parsed := _parsed(value)) is not None:
            data[key] = convert(parsed)
    return data


def facts(data: dict | None) -> dict:
    """What is stored: UTC times, no clock-dependent flags."""
    def on_dict(item: dict) -> dict:
        for flag in CLOCK_FLAGS & item.keys():
            del item[flag]
        return _times(item, lambda t: t.astimezone(timezone.utc).isoformat())

    return _walk(data or {}, on_dict)


def _is_task(item: dict) -> bool:
    return {"status", "due_at", "priority"} <= item.keys()


def _is_instruction(item: dict) -> bool:
    return {"issued_at", "addressees"} <= item.keys()


def presented(data: dict | None, now: datetime | None = None, zone: ZoneInfo | None = None) -> dict:
    """What is shown: times in the configured zone, the flags as of now."""
    now = now or utcnow()
    zone = zone or display_zone()

    def on_dict(item: dict) -> dict:
        if _is_task(item):
            due = _parsed(item["due_at"])
            item.update(rules.task_flags(item["status"], due, item.get("supervision_count") or 0, now))
            if "overdue_at" not in item and {"id", "unit_id"} <= item.keys():  # written before tasks carried them
                found = rules.task_facts(item["status"], item["priority"], due, item["id"], item["unit_id"],
                                         item.get("co_unit_ids") or [])
                item.update({key: value.isoformat() if isinstance(value, datetime) else value
                             for key, value in found.items()})
        if _is_instruction(item):
            issued = _parsed(item["issued_at"])
            waiting = [a for a in item["addressees"] if isinstance(a, dict) and not a.get("acknowledged_at")]
            late = issued is not None and rules.ack_overdue(issued, now)
            for addressee in item["addressees"]:
                if isinstance(addressee, dict):
                    pending = not addressee.get("acknowledged_at")
                    addressee["overdue"] = late and pending
                    addressee["waiting_seconds"] = int((now - issued).total_seconds()) if pending and issued else None
            item["overdue"] = late and bool(waiting)
        return _times(item, lambda value: shown_time(value, zone))

    shown = _walk(data or {}, on_dict)
    for key, withheld in WITHHELD.items():
        if isinstance(shown.get(key), dict):
            shown[key] = {name: value for name, value in shown[key].items() if name not in withheld}
    return shown
