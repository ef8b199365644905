"""Statistics from the event log, for command and the leaders.

Definitions (README "Statistics" says the same):

- A unit's figures count its turns with tasks received in the period (a turn:
  from `task.dispatched`, or `task.rerouted` to the unit, until the task is
  rerouted away; dispatch/statistics/models.py). A rerouted task therefore counts
  for the unit that returned it and for the unit it was routed to.
- tasks_received: turns received in the period.
- median_minutes_to_claim: median of (first `task.claimed` − received) over the
  turns claimed; median_minutes_to_submit likewise with the first `task.submitted`.
- overdue_rate: the share of those turns that were overdue at some moment while
  the unit had the task, by the board's one rule (rules.is_overdue: past its
  deadline and not submitted, done or cancelled), up to now for a turn still open.
- returns, supervision_notices, escalations: `task.returned`,
  `supervision.issued` and `supervision.escalated` events in those turns.
- Incidents are counted by registration time in the period, grouped by category,
  level or month (in the configured zone). peak_headcount_max: the largest peak
  headcount; repeat_share: the share linked to an earlier incident as a repeat
  petition; median_minutes_to_first_claim: median over the incidents with a claimed
  task of (the first claim of any of its tasks − registration).
- A period is `from`..`to`, days in the configured zone, both included; left
  out, it is the 30 days that end today.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from statistics import median
from typing import Any

from sqlalchemy import and_, case, func, or_, select

from ..auth import permissions
from ..auth.models import Unit, User
from ..facts import rules
from ..db import db, utcnow
from ..incidents.models import CATEGORIES, LEVELS, Incident
from ..labels import label, unit_name
from ..schemas import display_zone
from . import projection  # noqa: F401  (keeps task_handling in step with every transaction)
from .models import TaskHandling

DEFAULT_DAYS = 30


@dataclass(frozen=True)
class Period:
    first: date
    last: date
    start: datetime  # UTC, included
    end: datetime  # UTC, excluded


def period(first: date | None = None, last: date | None = None) -> Period:
    """The days asked for, both included, as UTC times; by default the 30 days that end today (local)."""
    zone = display_zone()
    last = last or (first + timedelta(days=DEFAULT_DAYS - 1) if first else utcnow().astimezone(zone).date())
    first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    start = datetime.combine(first, time.min, tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
    return Period(first, last, start, end)


def _minutes(values: list[int]) -> float | None:
    return round(median(values) / 60, 1) if values else None


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def overdue_turn(now: datetime):
    """A turn overdue at some moment: marked so at one of its events, or, still open, overdue now (the one rule)."""
    h = TaskHandling
    return or_(h.overdue, and_(h.ended_at.is_(None), rules.overdue_clause(h.status, h.due_at, now)))


def unit_rows_query(span: Period, now: datetime):
    h = TaskHandling
    return (select(h.unit_id, h.claim_seconds, h.submit_seconds, case((overdue_turn(now), 1), else_=0),
                   h.returns, h.supervision_notices, h.escalations)
            .where(h.received_at >= span.start, h.received_at < span.end))


def unit_figures(*, actor: User | None, first: date | None = None, last: date | None = None) -> dict[str, Any]:
    """Per unit, over the turns it received in the period (see the module's definitions)."""
    permissions.require(actor, "read_statistics")
    span = period(first, last)
    session = db.session
    acc: dict[int, dict[str, Any]] = defaultdict(lambda: {"n": 0, "claim": [], "submit": [], "overdue": 0,
                                                          "returns": 0, "notices": 0, "escalations": 0})
    for unit_id, claim, submit, overdue, returns, notices, escalations in session.execute(
            unit_rows_query(span, utcnow())):
        row = acc[unit_id]
        row["n"] += 1
        if claim is not None:
            row["claim"].append(claim)
        if submit is not None:
            row["submit"].append(submit)
        row["overdue"] += overdue
        row["returns"] += returns
        row["notices"] += notices
        row["escalations"] += escalations
    units = {unit.id: unit for unit in session.scalars(select(Unit).where(Unit.id.in_(list(acc))))}
    items = [{
        "unit_id": unit_id, "unit_code": units[unit_id].code if unit_id in units else "",
        "unit": unit_name(units.get(unit_id)) or str(unit_id),
        "tasks_received": row["n"], "median_minutes_to_claim": _minutes(row["claim"]),
        "median_minutes_to_submit": _minutes(row["submit"]), "overdue_rate": _share(row["overdue"], row["n"]),
        "returns": row["returns"], "supervision_notices": row["notices"], "escalations": row["escalations"],
    } for unit_id, row in acc.items()]
    items.sort(key=lambda item: (-item["tasks_received"], item["unit"]))
    return {"from_": span.first, "to": span.last, "items": items}


def first_claim_of_incident():
    h = TaskHandling
    return (select(func.min(h.claimed_at)).where(h.incident_id == Incident.id, h.claimed_at.is_not(None))
            .correlate(Incident).scalar_subquery())


def incident_rows_query(span: Period):
    return (select(Incident.created_at, Incident.category, Incident.level, Incident.peak_headcount,
                   Incident.repeat_of_id.is_not(None), first_claim_of_incident())
            .where(Incident.created_at >= span.start, Incident.created_at < span.end))


def incident_figures(*, actor: User | None, by: str = "category", first: date | None = None,
                     last: date | None = None) -> dict[str, Any]:
    """Per category, level or month of registration (see the module's definitions)."""
    permissions.require(actor, "read_statistics")
    span = period(first, last)
    zone = display_zone()
    acc: dict[str, dict[str, Any]] = defaultdict(lambda: {"n": 0, "peak": 0, "repeat": 0, "claim": []})
    for registered, category, level, peak, repeat, first_claim in db.session.execute(incident_rows_query(span)):
        key = {"category": category, "level": level,
               "month": registered.astimezone(zone).strftime("%Y-%m")}[by]
        row = acc[key]
        row["n"] += 1
        row["peak"] = max(row["peak"], peak or 0)
        row["repeat"] += 1 if repeat else 0
        if first_claim is not None:
            row["claim"].append(int((first_claim - registered).total_seconds()))
    order = {"category": CATEGORIES, "level": LEVELS}.get(by)
    keys = sorted(acc, key=(lambda k: order.index(k) if k in order else len(order)) if order else None)
    items = [{
        "key": key, "label": label(by, key) if by != "month" else key, "incidents": acc[key]["n"],
        "peak_headcount_max": acc[key]["peak"], "repeat_share": _share(acc[key]["repeat"], acc[key]["n"]),
        "median_minutes_to_first_claim": _minutes(acc[key]["claim"]),
    } for key in keys]
    return {"from_": span.first, "to": span.last, "by": by, "items": items}
