"""What the statistics take (a period, a grouping) and give (one row per unit or group)."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..schemas import StrictSchema

GROUPINGS = ("category", "month", "level")
# A period's dates, so the local midnights always exist as times (and a typo like year 20260 is refused).
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2200, 12, 31)


class Day(fields.Date):
    default_error_messages = {"invalid": _l("Not a date: use YYYY-MM-DD, e.g. 2026-12-02.")}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or len(value) != 10:
            raise self.make_error("invalid")
        day = super()._deserialize(value, attr, data, **kwargs)
        if not FIRST_DAY <= day <= LAST_DAY:
            raise ValidationError(_("Out of range: give a year from 1900 to 2200."))
        return day


class PeriodArgs(StrictSchema):
    """`from` and `to` are days in the configured zone, both included; either may be left out."""

    from_ = Day(data_key="from")
    to = Day()

    @validates_schema
    def _in_order(self, data, **kwargs):
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ValidationError({"from": [_("The period starts after it ends: choose a “from” day on or "
                                              "before the “to” day.")]})


class IncidentArgs(PeriodArgs):
    by = fields.String(load_default="category", validate=validate.OneOf(GROUPINGS))


class UnitFiguresSchema(Schema):
    unit_id = fields.Integer()
    unit_code = fields.String()
    unit = fields.String()
    tasks_received = fields.Integer()
    median_minutes_to_claim = fields.Float(allow_none=True)
    median_minutes_to_submit = fields.Float(allow_none=True)
    overdue_rate = fields.Float()
    returns = fields.Integer()
    supervision_notices = fields.Integer()
    escalations = fields.Integer()


class IncidentFiguresSchema(Schema):
    key = fields.String()
    label = fields.String()
    incidents = fields.Integer()
    peak_headcount_max = fields.Integer()
    repeat_share = fields.Float()
    median_minutes_to_first_claim = fields.Float(allow_none=True)


class UnitStatisticsSchema(Schema):
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    items = fields.List(fields.Nested(UnitFiguresSchema))


class IncidentStatisticsSchema(Schema):
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    by = fields.String()
    items = fields.List(fields.Nested(IncidentFiguresSchema))
