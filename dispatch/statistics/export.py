"""The statistics tables as files (CSV, XLSX), headed in the requester's language."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import tables

PERCENT, MINUTES = "0.0%", "0.0"
# (heading, key, XLSX number format)
UNIT_COLUMNS = [
    (_l("Unit"), "unit", None), (_l("Tasks received"), "tasks_received", None),
    (_l("Median minutes to claim"), "median_minutes_to_claim", MINUTES),
    (_l("Median minutes to submit"), "median_minutes_to_submit", MINUTES),
    (_l("Overdue rate"), "overdue_rate", PERCENT), (_l("Returns"), "returns", None),
    (_l("Supervision notices"), "supervision_notices", None), (_l("Escalations"), "escalations", None),
]
GROUP_HEADINGS = {"category": _l("Category"), "month": _l("Month"), "level": _l("Level")}
INCIDENT_COLUMNS = [
    (_l("Incidents registered"), "incidents", None), (_l("Peak headcount (largest)"), "peak_headcount_max", None),
    (_l("Repeat petition share"), "repeat_share", PERCENT),
    (_l("Median minutes to first claim"), "median_minutes_to_first_claim", MINUTES),
]


def _columns(table: dict[str, Any]) -> list[tuple]:
    if "by" in table:
        return [(GROUP_HEADINGS[table["by"]], "label", None)] + INCIDENT_COLUMNS
    return UNIT_COLUMNS


def _title(table: dict[str, Any]) -> str:
    name = _("Incidents") if "by" in table else _("Units")
    return f"{name} {table['from_'].isoformat()}–{table['to'].isoformat()}"


def filename(table: dict[str, Any], suffix: str) -> str:
    kind = f"incidents-by-{table['by']}" if "by" in table else "units"
    return f"statistics-{kind}-{table['from_'].isoformat()}-{table['to'].isoformat()}.{suffix}"


def csv_bytes(table: dict[str, Any]) -> bytes:
    columns = _columns(table)
    return tables.csv_bytes([str(heading) for heading, _key, _format in columns],
                            ([item[key] for _heading, key, _format in columns] for item in table["items"]))


def xlsx_bytes(table: dict[str, Any]) -> bytes:
    columns = _columns(table)
    return tables.workbook_bytes([(
        _title(table), [str(heading) for heading, _key, _format in columns],
        ([item[key] for _heading, key, _format in columns] for item in table["items"]),
        [fmt for _heading, _key, fmt in columns],
    )])
