"""Shared pieces of the marshmallow schemas: strict input, times, paging."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate, validates_schema

from . import personal_data
from .db import utcnow

# Long enough for any real text, short enough that nobody pastes a book into a field.
SHORT_TEXT = validate.Length(min=1, max=200)
LONG_TEXT = validate.Length(max=5000)
# Ids and seqs are 32-bit integers in the database; a larger number names nothing and
# must be refused before it reaches a driver that cannot even bind it.
MAX_ID = 2**31 - 1
ID = validate.Range(min=1, max=MAX_ID)
# WGS 84: the ranges a coordinate can take at all
LAT = validate.Range(min=-90, max=90)
LNG = validate.Range(min=-180, max=180)


def display_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["DISPATCH_TIMEZONE"] if has_app_context() else "UTC")



def shown_time(value: datetime | None, zone: ZoneInfo | None = None) -> str | None:
    """Stored in UTC, shown in the configured zone (DISPATCH_TIMEZONE), always with its offset."""
    if value is None:
        return None
    return value.astimezone(zone or display_zone()).isoformat()


def local_time(value: datetime | None) -> datetime | None:
    """The wall-clock time in the configured zone, to the second, without a zone: what a
    spreadsheet cell holds (it has no zone of its own)."""
    if value is None:
        return None
    return value.astimezone(display_zone()).replace(tzinfo=None, microsecond=0)


def _unstorable(value) -> bool:
    """Text no database column can hold: a NUL (PostgreSQL refuses it) or a lone surrogate (not UTF-8)."""
    if isinstance(value, str):
        if "\x00" in value:
            return True
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_unstorable(item) for item in value.values())
    if isinstance(value, (list, tuple)):
        return any(_unstorable(item) for item in value)
    return False


class StrictSchema(Schema):
    """Input: unknown fields are refused, naming each one; so is text that cannot be stored."""

    class Meta:
        unknown = RAISE

    @pre_load
    def _storable_text(self, data, **kwargs):
        if hasattr(data, "items"):  # a JSON object or the query arguments; other shapes fail later, as ever
            bad = {str(name): [_("Contains a character that cannot be stored (NUL or a lone surrogate): remove it.")]
                   for name, value in data.items() if _unstorable(value)}
            if bad:
                raise ValidationError(bad)
        return data


class DeadlineAhead(StrictSchema):
    """A `due_at` already past is a typing slip unless the officer says it is meant (work or a promise recorded
    late): then `past_due_ok`."""
    past_due_ok = fields.Boolean(load_default=False)

    @validates_schema
    def _deadline_ahead(self, data, **kwargs):
        if data.get("due_at") is not None and data["due_at"] <= utcnow() and not data.get("past_due_ok"):
            raise ValidationError(_("The deadline is in the past: choose a later time, or confirm with past_due_ok."),
                                  "due_at")


class Time(fields.DateTime):
    """ISO 8601; a time without an offset is read in the configured zone, kept as UTC."""

    default_error_messages = {"invalid": _l("Not a date and time: use ISO 8601, e.g. 2026-12-02T08:30:00+08:00.")}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or len(value) > 40:
            raise self.make_error("invalid")
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise self.make_error("invalid") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=ZoneInfo(current_app.config["DISPATCH_TIMEZONE"]))
        if not 1900 <= parsed.year <= 2200:
            raise ValidationError(_("Out of range: give a year from 1900 to 2200."))
        return parsed.astimezone(ZoneInfo("UTC"))

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, str):  # already shown (a dumped snapshot inside event data)
            return value
        return shown_time(value)


class PageArgs(StrictSchema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000_000))


class LongPageArgs(PageArgs):
    """For lists read whole as a rule (an incident's timeline), still pageable."""

    limit = fields.Integer(load_default=1000, validate=validate.Range(min=1, max=5000))


def paged(items: list, args: dict) -> dict:
    """The list envelope for a list already in memory, cut to the page asked for."""
    return {"items": items[args["offset"]:args["offset"] + args["limit"]], "total": len(items)}


def page_of(schema_cls):
    """The list envelope of API.md: {"items": [...], "total": N}."""
    name = f"{schema_cls.__name__.removesuffix('Schema')}PageSchema"
    return type(name, (Schema,), {"items": fields.List(fields.Nested(schema_cls)), "total": fields.Integer()})


# --- personal data: checked and normalized on the way in, masked on the way out (every area that keeps persons) ---

class _Normalized(fields.String):
    """A string checked and put in its one stored form by `personal_data`."""

    normalize = None

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return type(self).normalize(text)
        except personal_data.InvalidPersonalData as error:
            raise ValidationError(str(error)) from None


class IdNumber(_Normalized):
    normalize = staticmethod(personal_data.normalize_id_number)


class Phone(_Normalized):
    normalize = staticmethod(personal_data.normalize_phone)


class FreeText(fields.String):
    """A note, demand or summary: an identity or mobile number typed into it is masked before it is kept, so no
    surface (page, timeline, report, PDF, export) can show it whole; a person's numbers belong on their record."""

    def _deserialize(self, value, attr, data, **kwargs):
        return personal_data.mask_in_text(super()._deserialize(value, attr, data, **kwargs))


class MaskedIdNumber(fields.String):
    """The identity number as anyone may see it: masked again on the way out, whatever it holds."""

    def _serialize(self, value, attr, obj, **kwargs):
        return personal_data.mask_id_number(value)


class MaskedPhone(fields.String):
    def _serialize(self, value, attr, obj, **kwargs):
        return personal_data.mask_phone(value)


class ImportArgs(StrictSchema):
    """A workbook's import (the roster, the places): a dry run, or the import itself."""

    dry_run = fields.Boolean(load_default=False, metadata={"description": "1: say what would change, store nothing"})


class ImportFormSchema(StrictSchema):
    file = fields.Raw(load_only=True, metadata={"type": "string", "format": "binary",
                                                "description": "an XLSX workbook with the sheets of the template"})


class ImportCounts(Schema):
    create = fields.Integer()
    update = fields.Integer()


class ImportRowError(Schema):
    sheet = fields.String()
    row = fields.Integer(allow_none=True, metadata={"description": "as the spreadsheet shows it (1: the headings)"})
    field = fields.String(allow_none=True)
    message = fields.String()
