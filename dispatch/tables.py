"""Tables leaving the system as files (the incident register, statistics): one rule for hostile text.

Whatever a text holds, the file opens and a spreadsheet never runs it: characters
XML cannot carry are replaced, and a text that looks like the start of a formula
stays text (XLSX: a text cell with a quote prefix; CSV: a leading apostrophe, as
OWASP advises, since a CSV cell has no type).
"""
from __future__ import annotations

import csv
import re
from datetime import datetime
from io import BytesIO, StringIO
from typing import Any, Iterable

from openpyxl import Workbook
from openpyxl.styles import Font

# XML 1.0 cannot carry these, and openpyxl refuses them (a 500 for the whole export).
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# What a spreadsheet would read as the start of a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TIME_FORMAT = "yyyy-mm-dd hh:mm"


def looks_like_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def write_cell(cell, value: Any, number_format: str | None = None) -> None:
    """Text as text: no character XML refuses, never a formula (Excel keeps it text when edited too)."""
    if isinstance(value, str):
        value = NOT_IN_XML.sub(" ", value)
    cell.value = value
    if looks_like_formula(value):
        cell.data_type = "s"
        cell.quotePrefix = True
    elif isinstance(value, datetime):
        cell.number_format = TIME_FORMAT
    elif number_format is not None and value is not None:
        cell.number_format = number_format


def csv_text(value: Any) -> Any:
    """A CSV cell that a spreadsheet opens as the text it is."""
    return f"'{value}" if looks_like_formula(value) else value


def csv_bytes(headings: list[str], rows: Iterable[list[Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel reads the Chinese headings right."""
    buffer = StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_text(heading) for heading in headings])
    for row in rows:
        writer.writerow(["" if value is None else csv_text(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def add_sheet(workbook: Workbook, title: str, headings: list[str], rows: Iterable[list[Any]],
              formats: list[str | None] | None = None) -> None:
    sheet = workbook.create_sheet(NOT_IN_XML.sub(" ", title)[:31])
    sheet.append([NOT_IN_XML.sub(" ", heading) for heading in headings])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            write_cell(sheet.cell(row=number, column=column), value,
                       formats[column - 1] if formats else None)
    sheet.freeze_panes = "A2"


def workbook_bytes(sheets: list[tuple[str, list[str], Iterable[list[Any]], list[str | None] | None]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, headings, rows, formats in sheets:
        add_sheet(workbook, title, headings, rows, formats)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
