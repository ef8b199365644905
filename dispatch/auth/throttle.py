"""Failed sign-ins slow down further attempts, counted by username and by address apart.

A username that fails too often waits longer before each further attempt,
from whichever address it comes (guessing one account from many addresses);
an address that fails too often waits too (one machine trying many accounts).
A wait is short and grows with the failures, never a lock: the colleagues
behind a shared office address and the real owner of a guessed account are
delayed by seconds, not shut out. The counts live in the rate-limit storage
(memory, or Redis shared by every process).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

from flask import current_app

from flask_babel import gettext as _

from ..errors import TooManyRequests
from ..extensions import limiter


@dataclass(frozen=True)
class Rule:
    scope: str
    free: int  # failures within the window before any wait
    max_delay: float  # seconds; the wait doubles from 1 s up to this


def _rules() -> tuple[Rule, Rule]:
    config = current_app.config
    return (Rule("username", config["LOGIN_FREE_FAILURES_PER_USERNAME"], config["LOGIN_MAX_DELAY_PER_USERNAME"]),
            Rule("address", config["LOGIN_FREE_FAILURES_PER_ADDRESS"], config["LOGIN_MAX_DELAY_PER_ADDRESS"]))


def _keys(username: str, address: str | None):
    values = {"username": username.strip().lower()[:80], "address": address or "-"}
    for rule in _rules():
        key = f"dispatch-login/{rule.scope}/{values[rule.scope]}"
        yield rule, f"{key}/failures", f"{key}/wait"


def delay_after(failures: int, rule: Rule) -> int:
    """Seconds to wait after the `failures`-th failure in the window (0 while free)."""
    if failures < rule.free:
        return 0
    return math.ceil(min(rule.max_delay, 2.0 ** (failures - rule.free)))


def check(username: str, address: str | None) -> None:
    """429 with Retry-After while either the username or the address must wait."""
    storage = limiter.storage
    for rule, _failures, wait in _keys(username, address):
        if storage.get(wait) > 0:
            retry_after = max(1, math.ceil(storage.get_expiry(wait) - time.time()))
            raise TooManyRequests(_("Too many failed sign-ins: wait {n} seconds and try again.").format(n=retry_after),
                                  retry_after=retry_after, fields={rule.scope: [_("Wait before trying again.")]})


def failed(username: str, address: str | None) -> None:
    storage = limiter.storage
    window = int(current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"])
    for rule, failures, wait in _keys(username, address):
        seconds = delay_after(storage.incr(failures, window), rule)
        if seconds:
            storage.incr(wait, seconds)


def succeeded(username: str) -> None:
    """The owner got in: the failures counted against the username are forgotten."""
    for rule, failures, wait in _keys(username, None):
        if rule.scope == "username":
            limiter.storage.clear(failures)
            limiter.storage.clear(wait)
