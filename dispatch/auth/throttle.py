"""Failed sign-ins slow down further attempts where they come from: the owner is delayed, never shut out.

Each attempt passes gates, each a count in the rate-limit storage (memory, or
Redis shared by every process), kept for LOGIN_FAILURE_WINDOW_SECONDS:

- device (username, browser): a browser where this username signed in before
  carries a signed device cookie; its attempts pass this gate alone, so someone
  guessing the name elsewhere (or behind the same office address) never delays it;
- pair (username, address): an address that has failed at this username;
- fresh (username): the attempts from addresses that have not failed at this
  username, together (a name guessed from ever new addresses);
- name (username): every attempt at the username but from its known browsers,
  with more free attempts than one address can spend in a window: the wider net
  for a name guessed from many addresses at once;
- address: one address trying many usernames.

A gate lets through its first `free` attempts; past them, one attempt after each
wait (1, 2, 4 ... seconds up to a maximum, growing with the failures). An attempt
takes its place in a gate before its password is checked (one atomic increment,
given back when it is refused or succeeds), and the one attempt let through after
a wait claims that wait's turn atomically: attempts sent at once get no more than
attempts sent one after the other. An attempt that finds the places held by
attempts still being judged waits for their outcome: refused if they failed, let
in if they were right (colleagues signing in at once are never refused).
"""
from __future__ import annotations

import math
import secrets
import time
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

from ..errors import TooManyRequests
from ..extensions import limiter
from .. import security

DEVICE_COOKIE = security.DEVICE_COOKIE
DEVICE_COOKIE_DAYS = 365


@dataclass(frozen=True)
class Rule:
    scope: str
    free: int  # attempts within the window before any wait
    max_delay: float  # seconds; the wait doubles from 1 s up to this


@dataclass
class Place:
    """The place an attempt took in one gate: the gate's count when it was let in."""

    rule: Rule
    key: str
    count: int
    turn: int | None = None  # the wait whose turn it claimed, past the free attempts


@dataclass
class Attempt:
    username: str
    address: str
    device: str | None
    fresh: bool  # from an address (or device) that had not failed at this username
    places: list[Place] = field(default_factory=list)


def delay_after(failures: int, rule: Rule) -> int:
    """Seconds to wait after the `failures`-th failure in the window (0 while free)."""
    if failures < rule.free:
        return 0
    return math.ceil(min(rule.max_delay, 2.0 ** (failures - rule.free)))


def _rule(scope: str) -> Rule:
    config = current_app.config
    if scope == "address":
        return Rule(scope, config["LOGIN_FREE_FAILURES_PER_ADDRESS"], config["LOGIN_MAX_DELAY_PER_ADDRESS"])
    if scope == "name":
        return Rule(scope, config["LOGIN_FREE_FAILURES_ACROSS_ADDRESSES"], config["LOGIN_MAX_DELAY_PER_USERNAME"])
    return Rule(scope, config["LOGIN_FREE_FAILURES_PER_USERNAME"], config["LOGIN_MAX_DELAY_PER_USERNAME"])


def _window() -> int:
    return int(current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"])


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="dispatch-sign-in-device")


def _name(username: str) -> str:
    return username.strip().lower()[:80]


def device_cookie(username: str, current: str | None) -> str:
    """The device cookie to keep after a successful sign-in: the browser's own when it is this username's."""
    if current and device_of(current, username):
        return current
    return _serializer().dumps({"u": _name(username), "d": secrets.token_urlsafe(16)})


def device_of(cookie: str | None, username: str) -> str | None:
    """The browser's device id when its cookie is one this server signed for this username."""
    if not cookie:
        return None
    try:
        value = _serializer().loads(cookie)
    except BadSignature:
        return None
    if not isinstance(value, dict) or value.get("u") != _name(username) or not isinstance(value.get("d"), str):
        return None
    return value["d"][:40]


def _gate_key(scope: str, attempt: Attempt) -> str:
    value = {"device": f"{attempt.username}/{attempt.device}", "pair": f"{attempt.username}/{attempt.address}",
             "fresh": attempt.username, "name": attempt.username, "address": attempt.address}[scope]
    return f"dispatch-login/{scope}/{value}"


# An attempt that finds the free places taken by attempts still being judged waits for their outcome (a wrong
# password sets a wait and it is refused; a right one gives its place back), polling, at most this long.
QUEUE_SECONDS, QUEUE_POLL_SECONDS = 15.0, 0.02


def _enter(rule: Rule, key: str) -> Place | int:
    """A place in the gate, or the seconds to wait before trying again."""
    deadline = time.monotonic() + QUEUE_SECONDS
    while True:
        entered = _try_enter(rule, key)
        if entered is not None:
            return entered
        if time.monotonic() > deadline:
            return 1
        time.sleep(QUEUE_POLL_SECONDS)  # a green sleep under the server


def _try_enter(rule: Rule, key: str) -> Place | int | None:
    """A place, the seconds of a wait in force, or None while the places are held by attempts being judged."""
    storage, window = limiter.storage, _window()
    # read before the wait: a failure sets its wait before it counts it, so a wait served here has ended
    served = storage.get(f"{key}/waits")
    if storage.get(f"{key}/wait") > 0:
        return max(1, math.ceil(storage.get_expiry(f"{key}/wait") - time.time()))
    count = storage.incr(f"{key}/count", window)
    if count <= rule.free:
        return Place(rule, key, count)
    # past the free ones: one attempt per wait served, the first to claim it
    if served and storage.incr(f"{key}/turn/{served}", window) == 1:
        return Place(rule, key, rule.free + served, turn=served)
    storage.incr(f"{key}/count", window, amount=-1)
    return None


def _leave(place: Place) -> None:
    """The place given back (the attempt was refused elsewhere, or succeeded): it was no failure."""
    if limiter.storage.get(f"{place.key}/count") > 0:  # not when the window ended meanwhile
        limiter.storage.incr(f"{place.key}/count", _window(), amount=-1)
    if place.turn is not None:
        limiter.storage.incr(f"{place.key}/turn/{place.turn}", _window(), amount=-1)


def admit(username: str, address: str | None, device_cookie_value: str | None = None) -> Attempt:
    """Let the attempt in (its places taken in every gate it passes), or 429 with Retry-After."""
    attempt = Attempt(username=_name(username), address=address or "-", device=None, fresh=True)
    attempt.device = device_of(device_cookie_value, username)
    if attempt.device is not None:
        scopes = ["device"]
    else:
        attempt.fresh = limiter.storage.get(_gate_key("pair", attempt) + "/count") == 0
        scopes = ["fresh" if attempt.fresh else "pair", "name", "address"]
    for scope in scopes:
        rule = _rule(scope)
        entered = _enter(rule, _gate_key(scope, attempt))
        if isinstance(entered, int):
            for place in attempt.places:
                _leave(place)
            raise TooManyRequests(_("Too many failed sign-ins: wait {n} seconds and try again.").format(n=entered),
                                  retry_after=entered,
                                  fields={"address" if scope == "address" else "username":
                                          [_("Wait before trying again.")]})
        attempt.places.append(entered)
    return attempt


def failed(attempt: Attempt) -> None:
    """The password was wrong: past the free attempts, each gate makes the next one wait."""
    storage, window = limiter.storage, _window()
    for place in attempt.places:
        seconds = delay_after(place.count, place.rule)
        if seconds:
            storage.incr(f"{place.key}/wait", seconds)
            storage.incr(f"{place.key}/waits", window)
    if attempt.device is None and attempt.fresh:
        # this address has failed at this username now: its next attempts count in its own gate
        storage.incr(_gate_key("pair", attempt) + "/count", window)


def release(attempt: Attempt) -> None:
    """The attempt was not judged (the server failed first): it counts as nothing."""
    for place in attempt.places:
        _leave(place)


def succeeded(attempt: Attempt) -> None:
    """The owner got in: what this address or browser failed at this username is forgotten; the attempt's places
    in the shared gates (fresh addresses, the address) are given back. The failures of others are kept."""
    storage = limiter.storage
    for place in attempt.places:
        if place.rule.scope in ("device", "pair"):
            for suffix in ("count", "wait", "waits"):
                storage.clear(f"{place.key}/{suffix}")
        else:
            _leave(place)
