"""The incident register as a workbook: incidents, their representatives and their tasks.

Personal data leaves only masked (the same masked forms every screen shows).
Headings and values are named in the requester's language, in the words the
pages use (`labels`); times are real Excel times in the configured zone, to
the minute. Whatever a text holds, the workbook opens: characters XML cannot
carry are replaced, and a text that looks like a formula stays text.
"""
from __future__ import annotations

from typing import Any, Iterable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..labels import label, unit_name
from ..schemas import local_time
from ..tables import workbook_bytes as tables_workbook

# (heading, the row's key, how the value is shown): a label group, "time", or None as it is.
INCIDENT_COLUMNS = [
    (_l("Reference"), "ref", None), (_l("Title"), "title", None), (_l("Kind"), "kind", "kind"),
    (_l("Category"), "category", "category"), (_l("Level"), "level", "level"),
    (_l("Status"), "status", "status"), (_l("Headcount"), "headcount", None),
    (_l("Peak headcount"), "peak_headcount", None), (_l("Location"), "location", None),
    (_l("Occurred at"), "occurred_at", "time"), (_l("Demands"), "demands", None),
    (_l("Open tasks"), "open_tasks", None), (_l("Overdue tasks"), "overdue_tasks", None),
]
REPRESENTATIVE_COLUMNS = [
    (_l("Reference"), "ref", None), (_l("Name"), "name", None),
    (_l("Resident identity number (masked)"), "id_number", None), (_l("Phone (masked)"), "phone", None),
    (_l("Note"), "note", None),
]
TASK_COLUMNS = [
    (_l("Reference"), "ref", None), (_l("Lead unit"), "unit", "unit"), (_l("Task"), "title", None),
    (_l("Priority"), "priority", "priority"), (_l("Status"), "status", "task_status"),
    (_l("Deadline"), "due_at", "time"), (_l("Overdue"), "overdue", "yes"),
]


def _shown(value: Any, how: str | None) -> Any:
    if how == "time":
        return local_time(value)
    if how == "unit":
        return unit_name(value)
    if how == "yes":
        return _("Yes") if value else ""
    if how is not None:
        return label(how, value)
    return value


def _sheet(title: str, columns: list[tuple], rows: Iterable[dict]) -> tuple:
    headings = [str(heading) for heading, _key, _how in columns]
    return (title, headings, ([_shown(row[key], how) for _heading, key, how in columns] for row in rows), None)


def workbook_bytes(incidents: list[dict], representatives: list[dict], tasks: list[dict]) -> bytes:
    """Rows are plain dicts of stored values (codes, UTC times), already masked and counted by the service."""
    return tables_workbook([
        _sheet(_("Incidents"), INCIDENT_COLUMNS, incidents),
        _sheet(_("Representatives"), REPRESENTATIVE_COLUMNS, representatives),
        _sheet(_("Tasks"), TASK_COLUMNS, tasks),
    ])
