"""State machines as data, and the one function that applies them.

A table maps (from-state, action) to the role that may take it, the state it
leads to and the event it appends. Anything not in the table is refused with a
409 that names the current state.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from .errors import Conflict, Forbidden


@dataclass(frozen=True)
class Transition:
    role: str
    to: str
    event: str


Table = Mapping[tuple[str, str], Transition]


def actions(table: Table) -> set[str]:
    return {action for _state, action in table}


def states(table: Table) -> set[str]:
    return {state for state, _ in table} | {t.to for t in table.values()}


def apply(table: Table, current: str, action: str, role: str) -> Transition:
    """The transition for `action` from `current` by `role`, or a refusal naming the state."""
    step = table.get((current, action))
    if step is None:
        raise Conflict(f"Cannot {action} when the status is {current}.", current_status=current)
    if role != step.role:
        raise Forbidden(f"Only {step.role} may {action}.")
    return step
