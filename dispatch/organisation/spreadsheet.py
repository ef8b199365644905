"""The roster workbook read into plain rows, and the template written: pure CPU work, run off the event loop.

Only what the import can use comes out: sheets `units` and `users`, first row
headings, every other row a dict of text (or None) keyed by heading, numbered as
the spreadsheet shows it. A cell that holds a formula, a control character, or
a value that is not text or a number is a refusal naming its sheet, row and
field, never a guess.
"""
from __future__ import annotations

import io
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException

COLUMNS = {
    "units": ("code", "name", "name_zh", "kind", "parent_code"),
    "users": ("username", "display_name", "display_name_zh", "role", "unit_code", "phone", "email", "unit_head"),
}
REQUIRED = {"units": ("code",), "users": ("username",)}


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int | None
    field: str | None
    message: str

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "field": self.field, "message": self.message}


@dataclass
class Roster:
    """The rows of each sheet found: [(row number, {heading: text or None})], and what could not be read."""

    rows: dict[str, list[tuple[int, dict[str, str | None]]]] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)


class NotAWorkbook(ValueError):
    """The file is not an XLSX workbook at all."""


def _text(value) -> str | None:
    """A cell's value as the import reads it: text, a whole number as digits, TRUE/FALSE as true/false."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        raise ValueError(_("A number with a fraction here: type the value as text."))
    if isinstance(value, (datetime, date, time)):
        raise ValueError(_("A date here: type the value as text."))
    text = str(value).strip()
    return text or None


def _cell_problem(cell) -> str | None:
    if getattr(cell, "data_type", None) == "f":
        return _("A formula: type the value itself.")
    value = cell.value
    if isinstance(value, str):
        stripped = value.strip()
        if stripped[:1] in ("=", "@") or (stripped[:1] in ("+", "-") and not stripped[1:2].isdigit()):
            return _("Starts like a formula (= + - @): type the value without it.")
        if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value):
            return _("A control character (a line break, tab or invisible sign): remove it.")
    return None


def read_roster(data: bytes, max_rows: int) -> Roster:
    """The sheets `units` and `users` of an XLSX file (NotAWorkbook when it is not one)."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise NotAWorkbook() from None
    roster = Roster()
    try:
        names = {name.strip().lower(): name for name in book.sheetnames}
        if not any(sheet in names for sheet in COLUMNS):
            roster.errors.append(RowError("", None, None, _("No sheet named “units” or “users”: name the sheets as "
                                                           "the template does.")))
        for sheet in COLUMNS:
            if sheet in names:
                roster.rows[sheet] = _read_sheet(book[names[sheet]], sheet, max_rows, roster.errors)
    finally:
        book.close()
    return roster


def _headings(first_row, sheet: str, errors: list[RowError]) -> list[str | None]:
    headings: list[str | None] = []
    for cell in first_row:
        text = str(cell.value).strip().lower() if cell.value is not None else None
        if text is not None and text not in COLUMNS[sheet]:
            errors.append(RowError(sheet, 1, text, _("Unknown column: the columns are {columns}.").format(
                columns=", ".join(COLUMNS[sheet]))))
        headings.append(text)
    for required in REQUIRED[sheet]:
        if required not in headings:
            errors.append(RowError(sheet, 1, required, _("This column is missing: the first row holds the "
                                                         "headings, as in the template.")))
    return headings


def _read_sheet(worksheet, sheet: str, max_rows: int, errors: list[RowError]):
    rows = []
    iterator = worksheet.iter_rows()
    first = next(iterator, None)
    if first is None:
        errors.append(RowError(sheet, 1, None, _("The sheet is empty: the first row holds the headings.")))
        return rows
    headings = _headings(first, sheet, errors)
    for number, cells in enumerate(iterator, start=2):
        values: dict[str, str | None] = {}
        for heading, cell in zip(headings, cells):
            if heading is None or heading not in COLUMNS[sheet]:
                continue
            problem = _cell_problem(cell)
            if problem is None:
                try:
                    values[heading] = _text(cell.value)
                except ValueError as refusal:
                    problem = str(refusal)
            if problem is not None:
                errors.append(RowError(sheet, number, heading, problem))
                values[heading] = None
        if not any(value is not None for value in values.values()):
            continue  # an empty line between rows
        if len(rows) >= max_rows:
            errors.append(RowError(sheet, number, None, _("Too many rows: at most {n} per sheet; split the file.")
                                   .format(n=max_rows)))
            break
        rows.append((number, values))
    return rows


def template_bytes(notes: list[tuple[str, str, str]]) -> bytes:
    """An empty roster with its headings, and a sheet of notes (sheet, column, what it holds)."""
    book = Workbook()
    book.remove(book.active)
    for sheet, columns in COLUMNS.items():
        worksheet = book.create_sheet(sheet)
        worksheet.append(list(columns))
        for cell in worksheet[1]:
            cell.font = Font(bold=True)
        for column in worksheet.columns:
            worksheet.column_dimensions[column[0].column_letter].width = 18
    notes_sheet = book.create_sheet("notes")
    for line in notes:
        notes_sheet.append(list(line))
    notes_sheet.column_dimensions["C"].width = 90
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
