"""The incident register as a workbook: incidents, their representatives and their tasks.

Personal data leaves only masked (the same masked forms every screen shows).
Headings and values are named in the requester's language, in the words the
pages use (`labels`); times are real Excel times in the configured zone, to
the minute. Whatever a text holds, the workbook opens: characters XML cannot
carry are replaced, and a text that looks like a formula stays text.
"""
from __future__ import annotations

import re
from datetime import datetime
from io import BytesIO
from typing import Any, Iterable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Font

from ..labels import label, unit_name
from ..schemas import local_time

# XML 1.0 cannot carry these, and openpyxl refuses them (a 500 for the whole export).
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# What a spreadsheet would read as the start of a formula.
FORMULA_START = ("=", "+", "-", "@")
TIME_FORMAT = "yyyy-mm-dd hh:mm"

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


def _write(cell, value: Any) -> None:
    """Text as text: no character XML refuses, never a formula (Excel keeps it text when edited too)."""
    if isinstance(value, str):
        value = NOT_IN_XML.sub(" ", value)
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"
        cell.quotePrefix = True
    elif isinstance(value, datetime):
        cell.number_format = TIME_FORMAT


def _sheet(workbook: Workbook, title: str, columns: list[tuple], rows: Iterable[dict]) -> None:
    sheet = workbook.create_sheet(title)
    sheet.append([str(heading) for heading, _key, _how in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number, row in enumerate(rows, start=2):
        for column, (_heading, key, how) in enumerate(columns, start=1):
            _write(sheet.cell(row=number, column=column), _shown(row[key], how))
    sheet.freeze_panes = "A2"


def workbook_bytes(incidents: list[dict], representatives: list[dict], tasks: list[dict]) -> bytes:
    """Rows are plain dicts of stored values (codes, UTC times), already masked and counted by the service."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    _sheet(workbook, _("Incidents"), INCIDENT_COLUMNS, incidents)
    _sheet(workbook, _("Representatives"), REPRESENTATIVE_COLUMNS, representatives)
    _sheet(workbook, _("Tasks"), TASK_COLUMNS, tasks)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
