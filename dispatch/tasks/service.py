"""Tasks across departments."""
from __future__ import annotations

from sqlalchemy import select

from ..auth import permissions
from ..auth.models import User
from ..db import db
from .models import Task
from .schemas import TaskSchema


def dump_for_incident(*, actor: User, incident_id: int) -> list[dict]:
    permissions.require_user(actor)
    rows = db.session.scalars(select(Task).where(Task.incident_id == incident_id).order_by(Task.id))
    return TaskSchema(many=True).dump(rows)
