"""Workbooks coming in (the roster, the places): read into plain rows off the event loop, every bad cell named.

Only what an import can use comes out: the sheets it names, first row headings,
every other row a dict keyed by heading (text or None; a number in the columns
that hold numbers), numbered as the spreadsheet shows it. A cell that holds a
formula, a control character, or a value the column cannot take is a refusal
naming its sheet, row and field, never a guess. An import then checks each row
inside one transaction that a dry run, or any bad row, rolls back (`RolledBack`)
and answers a refusal with every row named (`ImportRefused`).
"""
from __future__ import annotations

import io
import math
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Callable, Iterable, TypeVar

from flask import Response, copy_current_request_context, current_app, request
from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException

from .db import db
from .errors import BadRequest, DispatchError, Invalid, TooLarge, UnsupportedType, translated
from .offload import run_off_loop

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORM_OVERHEAD = 64 * 1024  # the multipart form around the file
T = TypeVar("T")


@dataclass(frozen=True)
class Sheet:
    """A sheet an import reads: its name, its columns (the headings), those required, those holding numbers."""

    name: str
    columns: tuple[str, ...]
    required: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int | None
    field: str | None
    message: str

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "field": self.field, "message": self.message}


@dataclass
class Rows:
    """The rows of each sheet found: [(row number, {heading: value or None})], and what could not be read."""

    rows: dict[str, list[tuple[int, dict[str, Any]]]] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)


class NotAWorkbook(ValueError):
    """The file is not an XLSX workbook at all."""


class RolledBack(Exception):
    """Leaves the transaction of a dry run (or a refused import) without storing anything."""


class ImportRefused(Invalid):
    """Some rows are bad: nothing was stored; each is named by sheet, row and field."""

    def __init__(self, errors: list[RowError]):
        super().__init__(_("Nothing was imported: correct the rows listed and send the file again."))
        self.errors = errors

    def body(self) -> dict:
        body = super().body()
        errors = [error.as_dict() for error in self.errors]
        body["error"]["errors"] = errors
        body["errors"] = errors  # API.md: the list beside the usual error, for scripts reading either
        return body


def refusals(sheet: str, row: int, refusal: DispatchError, column_of: dict[str, str] | None = None) -> list[RowError]:
    """A row's refusal (by the form's own checks) as errors naming the sheet's columns."""
    if not refusal.fields:
        return [RowError(sheet, row, None, str(refusal.message))]
    return [RowError(sheet, row, (column_of or {}).get(name, name), translated(texts[0]))
            for name, texts in refusal.fields.items()]


def _text(value) -> str | None:
    """A cell's value as text: a whole number as digits, TRUE/FALSE as true/false."""
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


def _number(value) -> float | None:
    """A cell's value as a number: a number cell, or text that reads as a decimal number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = math.nan
    else:
        number = math.nan
    if not math.isfinite(number):
        raise ValueError(_("Not a number: write a decimal number such as 30.2712."))
    return number


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


def read(data: bytes, sheets: Iterable[Sheet], max_rows: int) -> Rows:
    """The named sheets of an XLSX file (NotAWorkbook when it is not one); a sheet's name is found in any case."""
    sheets = tuple(sheets)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise NotAWorkbook() from None
    found = Rows()
    try:
        names = {name.strip().lower(): name for name in book.sheetnames}
        if not any(sheet.name in names for sheet in sheets):
            found.errors.append(RowError("", None, None, _("No sheet named {names}: name the sheets as the template "
                                                           "does.").format(names=_(" or ").join(
                                                               f"“{sheet.name}”" for sheet in sheets))))
        for sheet in sheets:
            if sheet.name in names:
                found.rows[sheet.name] = _read_sheet(book[names[sheet.name]], sheet, max_rows, found.errors)
    finally:
        book.close()
    return found


def _headings(first_row, sheet: Sheet, errors: list[RowError]) -> list[str | None]:
    headings: list[str | None] = []
    for cell in first_row:
        text = str(cell.value).strip().lower() if cell.value is not None else None
        if text is not None and text not in sheet.columns:
            errors.append(RowError(sheet.name, 1, text, _("Unknown column: the columns are {columns}.").format(
                columns=", ".join(sheet.columns))))
        headings.append(text)
    for required in sheet.required:
        if required not in headings:
            errors.append(RowError(sheet.name, 1, required, _("This column is missing: the first row holds the "
                                                              "headings, as in the template.")))
    return headings


def _value(cell, heading: str, sheet: Sheet):
    problem = _cell_problem(cell)
    if problem is not None:
        raise ValueError(problem)
    return _number(cell.value) if heading in sheet.numbers else _text(cell.value)


def _read_sheet(worksheet, sheet: Sheet, max_rows: int, errors: list[RowError]):
    rows = []
    iterator = worksheet.iter_rows()
    first = next(iterator, None)
    if first is None:
        errors.append(RowError(sheet.name, 1, None, _("The sheet is empty: the first row holds the headings.")))
        return rows
    headings = _headings(first, sheet, errors)
    for number, cells in enumerate(iterator, start=2):
        values: dict[str, Any] = {}
        for heading, cell in zip(headings, cells):
            if heading is None or heading not in sheet.columns:
                continue
            try:
                values[heading] = _value(cell, heading, sheet)
            except ValueError as refusal:
                errors.append(RowError(sheet.name, number, heading, str(refusal)))
                values[heading] = None
        if not any(value is not None for value in values.values()):
            continue  # an empty line between rows
        if len(rows) >= max_rows:
            errors.append(RowError(sheet.name, number, None, _("Too many rows: at most {n} per sheet; split the "
                                                               "file.").format(n=max_rows)))
            break
        rows.append((number, values))
    return rows


def template(sheets: Iterable[Sheet], notes: list[tuple[str, str, str]]) -> bytes:
    """An empty workbook with each sheet's headings, and a sheet of notes (sheet, column, what it holds)."""
    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        worksheet = book.create_sheet(sheet.name)
        worksheet.append(list(sheet.columns))
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


def allow_upload() -> None:
    """A workbook's upload alone may be larger than a JSON body (call before the body is read)."""
    request.max_content_length = current_app.config["IMPORT_MAX_BYTES"] + FORM_OVERHEAD


def upload() -> bytes:
    """The form's `file`, at most IMPORT_MAX_BYTES (400 when missing, 413 when larger)."""
    sent = request.files.get("file")
    if sent is None:
        raise BadRequest(_("Send the workbook as the form's “file”."), fields={"file": [_("Required: choose a file.")]})
    data = sent.stream.read(current_app.config["IMPORT_MAX_BYTES"] + 1)
    if len(data) > current_app.config["IMPORT_MAX_BYTES"]:
        raise TooLarge(_("The workbook is too large: at most {n} MB; split it.").format(
            n=current_app.config["IMPORT_MAX_BYTES"] // (1024 * 1024)), fields={"file": [_("Too large.")]})
    return data


def read_and_import(data: bytes, sheets: Iterable[Sheet], apply: Callable[[Rows], T]) -> T:
    """Read the upload and apply it on a real thread: a workbook of thousands of rows, each checked, is CPU work.
    A file that is not a workbook is 415 naming `file`."""
    max_rows = current_app.config["IMPORT_MAX_ROWS"]

    def work() -> T:
        try:
            try:
                rows = read(data, sheets, max_rows)
            except NotAWorkbook:
                raise UnsupportedType(_("This is not an Excel workbook (.xlsx): download the template and fill it "
                                        "in."), fields={"file": [_("Not an XLSX workbook.")]}) from None
            return apply(rows)
        finally:
            db.session.remove()  # the real thread's own session

    return run_off_loop(copy_current_request_context(work))


def template_response(sheets: Iterable[Sheet], notes: Callable[[], list[tuple[str, str, str]]], filename: str):
    """The template as a download, built on a real thread."""
    sheets = tuple(sheets)
    body = run_off_loop(copy_current_request_context(lambda: template(sheets, notes())))
    return Response(body, mimetype=XLSX, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
