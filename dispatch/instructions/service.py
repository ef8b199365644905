"""Leaders' instructions and their acknowledgements."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..auth import permissions
from ..auth.models import Unit, User
from ..auth.service import require_units
from ..db import db, utcnow
from ..errors import Conflict, Forbidden, found
from ..events import unit_of_work
from ..schemas import shown_time
from .models import Instruction, InstructionAddressee
from .schemas import InstructionSchema


def snapshot(instruction: Instruction) -> dict[str, Any]:
    """The dumped instruction: its events carry it, so the board redraws who has acknowledged."""
    return InstructionSchema().dump(instruction)


def _command_centre(session: Session) -> int:
    return session.scalar(select(Unit.id).where(Unit.kind == "command").order_by(Unit.id))


def _get(session: Session, instruction_id: int) -> Instruction:
    return found(session.get(Instruction, instruction_id), "instruction")


def issue_instruction(*, actor: User, incident_id: int, text: str, involved_unit_ids: list[int],
                      unit_ids: list[int] | None = None) -> Instruction:
    """A leader writes an instruction to the units they choose, or by default to every unit working the
    incident and CC; each must acknowledge it. (The incident is checked by dispatch/coordination.py.)"""
    permissions.require(actor, "issue_instruction")
    with unit_of_work() as uow:
        if unit_ids:
            require_units(uow.session, unit_ids)
            units = set(unit_ids)
        else:
            units = set(involved_unit_ids) | {_command_centre(uow.session)}
        instruction = Instruction(
            incident_id=incident_id, text=text, issued_by_id=actor.id, issued_at=utcnow(), to_involved=not unit_ids,
            addressees=[InstructionAddressee(unit_id=unit_id) for unit_id in sorted(units)],
        )
        uow.session.add(instruction)
        uow.session.flush()
        uow.append_event("instruction.issued", actor=actor, incident=incident_id,
                         data={"instruction": snapshot(instruction)})
    return instruction


def address_units(*, actor: User | None, incident_id: int, unit_ids: list[int]) -> list[Instruction]:
    """Units newly working an incident join its instructions that are addressed to every unit working it."""
    with unit_of_work() as uow:
        changed = []
        for instruction in uow.session.scalars(
                select(Instruction).where(Instruction.incident_id == incident_id, Instruction.to_involved)
                .order_by(Instruction.id)):
            new = sorted(set(unit_ids) - {a.unit_id for a in instruction.addressees})
            if not new:
                continue
            instruction.addressees.extend(InstructionAddressee(unit_id=unit_id) for unit_id in new)
            uow.session.flush()
            uow.append_event("instruction.addressed", actor=actor, incident=incident_id,
                             data={"unit_ids": new, "instruction": snapshot(instruction)})
            changed.append(instruction)
    return changed


def _acknowledging_unit(session: Session, actor: User) -> int:
    """A liaison acknowledges for their unit; command acknowledges for the command centre."""
    permissions.require(actor, "acknowledge_instruction")
    if actor.role == "command":
        return actor.unit_id or _command_centre(session)
    return actor.unit_id


def acknowledge_instruction(*, actor: User, instruction_id: int, note: str | None = None) -> Instruction:
    """An addressed unit acknowledges once; the leader sees who still has not."""
    with unit_of_work() as uow:
        instruction = _get(uow.session, instruction_id)
        unit_id = _acknowledging_unit(uow.session, actor)
        addressee = uow.session.scalar(
            select(InstructionAddressee)
            .where(InstructionAddressee.instruction_id == instruction.id, InstructionAddressee.unit_id == unit_id)
            .with_for_update(of=InstructionAddressee)  # two liaisons of one unit: one acknowledgement
        )
        if addressee is None:
            raise Forbidden(_("This instruction is not addressed to your unit: only the units it names acknowledge "
                              "it."))
        if addressee.acknowledged:
            raise Conflict(_("Your unit has already acknowledged this instruction; nothing more to do."),
                           current_status="acknowledged",
                           acknowledged_at=shown_time(addressee.acknowledged_at))
        addressee.acknowledged_at = utcnow()
        addressee.acknowledged_by_id = actor.id
        uow.append_event("instruction.acknowledged", actor=actor, incident=instruction.incident_id,
                         unit_id=unit_id, data={"note": note or "", "instruction": snapshot(instruction)})
    return instruction


def get_instruction(*, actor: User, instruction_id: int) -> Instruction:
    permissions.require_user(actor)
    return _get(db.session, instruction_id)


def _unacknowledged(unit_id: int | None = None):
    waiting = select(InstructionAddressee.instruction_id).where(InstructionAddressee.acknowledged_at.is_(None))
    if unit_id is not None:
        waiting = waiting.where(InstructionAddressee.unit_id == unit_id)
    return Instruction.id.in_(waiting)


def _late(now: datetime):
    limit = timedelta(minutes=current_app.config["INSTRUCTION_ACK_OVERDUE_MINUTES"])
    return (Instruction.issued_at <= now - limit) & _unacknowledged()


def list_instructions(*, actor: User, filters: dict[str, Any]) -> tuple[list[Instruction], int]:
    """Newest first; `unit_id` with `unacknowledged` is that unit's queue, `overdue` the leaders' worry list."""
    permissions.require_user(actor)
    query = select(Instruction)
    if filters.get("incident_id") is not None:
        query = query.where(Instruction.incident_id == filters["incident_id"])
    unit_id = filters.get("unit_id")
    if unit_id is not None:
        query = query.where(Instruction.id.in_(
            select(InstructionAddressee.instruction_id).where(InstructionAddressee.unit_id == unit_id)))
    if "unacknowledged" in filters:
        waiting = _unacknowledged(unit_id)
        query = query.where(waiting if filters["unacknowledged"] else ~waiting)
    if "overdue" in filters:
        late = _late(utcnow())
        query = query.where(late if filters["overdue"] else ~late)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(
        query.order_by(Instruction.id.desc()).limit(filters["limit"]).offset(filters["offset"]))
    return list(items), total


def flag_overdue_instructions(now: datetime | None = None) -> int:
    """Append `instruction.overdue` once for each instruction still unacknowledged past the limit."""
    now = now or utcnow()
    with unit_of_work() as uow:
        late = uow.session.scalars(
            select(Instruction)
            .where(_late(now), Instruction.overdue_notified_at.is_(None))
            .order_by(Instruction.id)
            .with_for_update(skip_locked=True)  # several scanning processes: each row marked by one
        ).all()
        for instruction in late:
            instruction.overdue_notified_at = now
            uow.append_event("instruction.overdue", incident=instruction.incident_id,
                             data={"instruction": snapshot(instruction)})
    return len(late)


def unacknowledged_counts(incident_ids: list[int]) -> dict[int, int]:
    """For the board: each incident's instructions that some addressed unit has not acknowledged, in one query."""
    counts = {incident_id: 0 for incident_id in incident_ids}
    if not incident_ids:
        return counts
    rows = db.session.execute(
        select(Instruction.incident_id, func.count(Instruction.id))
        .where(Instruction.incident_id.in_(incident_ids), _unacknowledged())
        .group_by(Instruction.incident_id)
    )
    counts.update({incident_id: n for incident_id, n in rows})
    return counts


def dump_for_incident(*, actor: User, incident_id: int) -> list[dict]:
    permissions.require_user(actor)
    rows = db.session.scalars(select(Instruction).where(Instruction.incident_id == incident_id).order_by(Instruction.id))
    return InstructionSchema(many=True).dump(rows)
