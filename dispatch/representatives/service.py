"""Representatives of a group and the persons behind them."""
from __future__ import annotations

from sqlalchemy import select

from ..auth import permissions
from ..auth.models import User
from ..db import db
from .models import Representative
from .schemas import RepresentativeSchema


def dump_for_incident(*, actor: User, incident_id: int) -> list[dict]:
    permissions.require_user(actor)
    rows = db.session.scalars(
        select(Representative)
        .where(Representative.incident_id == incident_id, Representative.removed_at.is_(None))
        .order_by(Representative.id)
    )
    return RepresentativeSchema(many=True).dump(rows)
