"""Demo instructions for the demo incidents (API.md, "Demo data"): one partly acknowledged."""
from __future__ import annotations

from sqlalchemy import select

from .. import coordination
from ..auth.models import User
from ..db import db
from ..demo_language import in_demo_language
from . import service

TEXT = {
    "zh": "要与职工面对面沟通，耐心做好解释工作，不得简单劝离；今天内公布欠薪数额，确保东门道路畅通。",
    "en": "Talk with the workers, not at them: publish the arrears figures today and keep the road open.",
}


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def seed(duty, incidents) -> None:
    """Called by dispatch.demo.load_demo with the duty officer and the registered incidents."""
    instruction = coordination.issue_instruction(
        actor=_user("leader"), incident_id=incidents[0].id, text=in_demo_language(TEXT))
    for username in ("duty", "psb"):
        service.acknowledge_instruction(actor=_user(username), instruction_id=instruction.id)
