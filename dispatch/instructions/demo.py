"""Demo instructions for the demo incidents (API.md, "Demo data"): one partly acknowledged."""
from __future__ import annotations

from sqlalchemy import select

from ..auth.models import User
from ..db import db
from .. import coordination
from . import service


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def seed(duty, incidents) -> None:
    """Called by dispatch.demo.load_demo with the duty officer and the registered incidents."""
    instruction = coordination.issue_instruction(
        actor=_user("leader"), incident_id=incidents[0].id,
        text="Talk with the workers, not at them: publish the arrears figures today and keep the road open.")
    for username in ("duty", "psb"):
        service.acknowledge_instruction(actor=_user(username), instruction_id=instruction.id)
