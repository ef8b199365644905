"""State machines as data, and the one function that applies them.

A table maps (from-state, action) to the role that may take it, the state it
leads to and the event it appends. Anything not in the table is refused with a
409 that names the current state.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from flask_babel import gettext as _

from .errors import Conflict, Forbidden
from .labels import action_name, either, label, state_name


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


def roles_for(table: Table, action: str) -> set[str]:
    return {step.role for (_state, name), step in table.items() if name == action}


def apply(table: Table, current: str, action: str, role: str) -> Transition:
    """The transition for `action` from `current` by `role`.

    Who may take an action does not depend on the state, so a role that may
    never take it is refused first (403); a role that may, but not from this
    state, gets a 409 naming the current state.
    """
    allowed = roles_for(table, action)
    if role not in allowed:
        raise Forbidden(_("Only {roles} may do “{action}”.").format(
            roles=either([label("role", name) for name in sorted(allowed)]), action=action_name(action)))
    step = table.get((current, action))
    if step is None or step.role != role:
        raise Conflict(_("The status is now “{status}”, so “{action}” cannot be done: reload to see where it "
                         "stands.").format(status=state_name(current), action=action_name(action)),
                       current_status=current)
    return step
