from __future__ import annotations

from marshmallow import Schema, fields

from ..schemas import Time


class TaskSchema(Schema):
    id = fields.Integer()
    incident_id = fields.Integer()
    unit_id = fields.Integer()
    co_unit_ids = fields.Method("_co_unit_ids")
    title = fields.String()
    instructions = fields.String()
    priority = fields.String()
    due_at = Time()
    status = fields.String()
    version = fields.Integer()
    created_at = Time()
    updated_at = Time()

    def _co_unit_ids(self, task):
        return [co.unit_id for co in task.co_units]
