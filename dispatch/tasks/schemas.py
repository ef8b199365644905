"""What comes in to the task endpoints and what goes out."""
from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..facts import rules
from ..db import utcnow
from ..labels import action_name
from ..schemas import shown_time, DeadlineAhead, FreeText, ID, LONG_TEXT, PageArgs, SHORT_TEXT, StrictSchema, Time, page_of
from .models import PRIORITIES, STATUSES

# Computed fields say their type, so the OpenAPI document describes them.
FLAG = {"type": "boolean"}
MOMENT = {"type": "string", "format": "date-time", "nullable": True}
UNIT_IDS = {"type": "array", "items": {"type": "integer"}}
NOTE = validate.Length(min=1, max=5000)
ACTIONS = (
    "claim", "start", "progress", "submit", "return", "request_extension",
    "approve_extension", "reject_extension", "verify", "reject", "reroute", "cancel",
)
# What each action cannot do without: (field, the fields that may carry it).
NEEDS = {
    "progress": ("note", ("note",)),
    "submit": ("note", ("note",)),
    "reject": ("note", ("note",)),
    "return": ("reason", ("reason",)),
    "request_extension": ("due_at", ("due_at",)),
    "reroute": ("unit_id", ("unit_id",)),
}


def _given(value) -> bool:
    """A blank note says nothing: it does not count as given."""
    return value is not None and (not isinstance(value, str) or bool(value.strip()))


class TaskCreateSchema(DeadlineAhead):
    unit_id = fields.Integer(required=True, strict=True, validate=ID)
    co_unit_ids = fields.List(fields.Integer(strict=True, validate=ID), load_default=list,
                              validate=validate.Length(max=20))
    title = fields.String(required=True, validate=SHORT_TEXT)
    instructions = FreeText(load_default="", validate=LONG_TEXT)
    priority = fields.String(load_default="normal", validate=validate.OneOf(PRIORITIES))
    due_at = Time(allow_none=True)


class TaskTransitionSchema(DeadlineAhead):
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    note = FreeText(validate=LONG_TEXT)
    reason = FreeText(validate=LONG_TEXT)
    due_at = Time()
    unit_id = fields.Integer(strict=True, validate=ID)
    version = fields.Integer(strict=True, validate=ID)

    @validates_schema
    def _deadline_ahead(self, data, **kwargs):
        # A reroute may give the new unit a deadline: one already past is refused like a new task's. An
        # extension's asked-for time has its own rule (later than the deadline and now: tasks/service.py).
        if data.get("action") == "reroute":
            super()._deadline_ahead(data, **kwargs)

    @validates_schema
    def _action_has_what_it_needs(self, data, **kwargs):
        name, carriers = NEEDS.get(data.get("action"), (None, ()))
        if name and not any(_given(data.get(carrier)) for carrier in carriers):
            raise ValidationError(_("Required for “{action}”.").format(action=action_name(data["action"])), name)


class TaskFilterSchema(PageArgs):
    unit_id = fields.Integer(validate=ID)
    # "open": every status but done and cancelled, and for the unit that returned a task, returned
    status = fields.String(validate=validate.OneOf(STATUSES + ("open",)))
    incident_id = fields.Integer(validate=ID)
    overdue = fields.Boolean()
    due_soon = fields.Boolean()
    escalated = fields.Boolean()


class SupervisionNoticeCreateSchema(StrictSchema):
    note = FreeText(required=True, validate=NOTE)


class PlanApplySchema(StrictSchema):
    """Applying a response plan takes nothing but the plan and the incident (in the path): any field sent is
    refused."""


class PlanAppliedSchema(Schema):
    """What applying a response plan dispatched: the tasks, exactly as a hand-dispatched one is answered."""

    tasks = fields.List(fields.Nested(lambda: TaskSchema()))


class TaskSchema(Schema):
    id = fields.Integer()
    incident_id = fields.Integer()
    unit_id = fields.Integer()
    co_unit_ids = fields.List(fields.Integer())
    title = fields.String()
    instructions = fields.String()
    priority = fields.String()
    due_at = Time()
    status = fields.String()
    version = fields.Integer()
    claimed_by_id = fields.Integer(allow_none=True)
    requested_due_at = Time(allow_none=True)
    extension_pending = fields.Method("_extension_pending", metadata=FLAG)
    overdue = fields.Method("_overdue", metadata=FLAG)
    due_soon = fields.Method("_due_soon", metadata=FLAG)
    supervision_count = fields.Integer()
    escalated = fields.Method("_escalated", metadata=FLAG)
    created_at = Time()
    updated_at = Time()
    # The rules' answers a screen applies as they are (facts/rules.py task_facts): the moments its one
    # clock function compares with now, the urgency rank, which units' queues hold it, and who may act.
    open = fields.Method("_open", metadata=FLAG)
    overdue_at = fields.Method("_overdue_at", metadata=MOMENT)
    due_soon_at = fields.Method("_due_soon_at", metadata=MOMENT)
    urgency_key = fields.Method("_urgency_key", metadata={"type": "array", "items": {"type": "integer"}})
    queue_unit_ids = fields.Method("_queue_unit_ids", metadata=UNIT_IDS)
    working_unit_ids = fields.Method("_working_unit_ids", metadata=UNIT_IDS)
    involved_unit_ids = fields.Method("_involved_unit_ids", metadata=UNIT_IDS)
    actions = fields.Method("_actions", metadata={"type": "array", "items": {"type": "object"}})

    def _extension_pending(self, task) -> bool:
        return task.requested_due_at is not None

    def _open(self, task) -> bool:
        return rules.is_open(task.status)

    def _overdue_at(self, task) -> str | None:
        return shown_time(rules.overdue_at(task.status, task.due_at))

    def _due_soon_at(self, task) -> str | None:
        return shown_time(rules.due_soon_at(task.status, task.due_at))

    def _urgency_key(self, task) -> list:
        return rules.urgency_rank(task.status, task.priority, task.due_at, task.id)

    def _queue_unit_ids(self, task) -> list[int]:
        return rules.queue_unit_ids(task.status, task.unit_id, task.co_unit_ids)

    def _working_unit_ids(self, task) -> list[int]:
        return rules.working_unit_ids(task.status, task.unit_id, task.co_unit_ids)

    def _involved_unit_ids(self, task) -> list[int]:
        return rules.involved_unit_ids(task.status, task.unit_id, task.co_unit_ids)

    def _actions(self, task) -> list[dict]:
        from .service import actions_on  # the transition table lives with the service, which dumps tasks here
        return actions_on(task)

    def _overdue(self, task) -> bool:
        return rules.is_overdue(task.status, task.due_at, utcnow())

    def _due_soon(self, task) -> bool:
        return rules.is_due_soon(task.status, task.due_at, utcnow())

    def _escalated(self, task) -> bool:
        return rules.is_escalated(task.supervision_count)


class TaskDetailSchema(TaskSchema):
    """One task with its history: its events from the log, oldest first."""

    history = fields.List(fields.Dict())


TaskPageSchema = page_of(TaskSchema)


class SupervisionNoticeSchema(Schema):
    id = fields.Integer()
    task_id = fields.Integer()
    number = fields.Integer()
    note = fields.String()
    issued_by_id = fields.Integer(allow_none=True)
    issued_at = Time()
    escalated = fields.Method("_escalated", metadata=FLAG)
    task = fields.Nested(TaskSchema)

    def _escalated(self, notice) -> bool:
        """Whether the task had been escalated to the leaders by this notice or an earlier one."""
        return rules.is_escalated(notice.number)
