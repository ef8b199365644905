"""Leaders' instructions and their acknowledgements."""
from __future__ import annotations

from sqlalchemy import select

from ..auth import permissions
from ..auth.models import User
from ..db import db
from .models import Instruction
from .schemas import InstructionSchema


def dump_for_incident(*, actor: User, incident_id: int) -> list[dict]:
    permissions.require_user(actor)
    rows = db.session.scalars(select(Instruction).where(Instruction.incident_id == incident_id).order_by(Instruction.id))
    return InstructionSchema(many=True).dump(rows)
