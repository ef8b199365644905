"""Socket.IO handlers: authenticated connect, resume from a seq, watch an incident.

Attached once, at import, to the one `socketio`; every app it is bound to uses them.
Input is checked by marshmallow schemas as the API's is, and every ask is
answered: a bad one with the API's error form naming each bad field, in the
connection's language (as the API's: `?lang`, the cookie, Accept-Language).

A catch-up is bounded: too far behind, the answer is `{"reload": true}`; a
`resume` sent while another is being answered replaces it (the earlier one stops
at its next frame and is answered `{"replaced": true}`); and each connection may
ask RESUME_PER_MINUTE of them a minute that replay more than a page (then 429's
error form, with retry_after); filling a small gap is never limited.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from flask import current_app, request, session
from flask_babel import gettext as _
from flask_socketio import join_room, leave_room, rooms
from marshmallow import ValidationError, fields, validate

from dispatch.auth import service as auth
from dispatch.db import db
from dispatch.errors import MISSING, Invalid, NotFound, TooManyRequests, flatten_messages
from dispatch.events import last_seq
from dispatch.incidents.models import Incident
from dispatch.schemas import ID, MAX_ID, StrictSchema

from . import socketio
from .follower import BATCH_ROOM, follower_of, frames_room, read_pages, send_frame
from .rooms import incident_room, session_room, user_room


class ResumeArgs(StrictSchema):
    after = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=MAX_ID))


class WatchArgs(StrictSchema):
    incident_id = fields.Integer(required=True, strict=True, validate=ID)


class ConnectArgs(StrictSchema):
    token = fields.String(validate=validate.Length(min=1, max=200))
    frames = fields.String(validate=validate.OneOf(["batch", "each"]))


def _load(schema_class, data):
    """The arguments, or an Invalid naming each bad field (a missing or non-object body names them all)."""
    schema = schema_class()
    if not isinstance(data, dict):
        required = [name for name, field in schema.fields.items() if field.required] or ["_schema"]
        raise Invalid(_("Some fields need correcting: see the message beside each field."),
                      fields={name: [_("Required: send an object with this field.")] for name in required})
    try:
        return schema.load(data)
    except ValidationError as error:
        raise Invalid(_("Some fields need correcting: see the message beside each field."),
                      fields=flatten_messages(error.messages)) from None


def _answered(handler):
    """A refusal is the answer, never an exception on the socket."""
    def answer(data=None):
        try:
            return handler(data)
        except (Invalid, NotFound, TooManyRequests) as refusal:
            return refusal.body()

    answer.__name__ = handler.__name__
    answer.__doc__ = handler.__doc__
    return answer


@socketio.on("connect")
def connect(auth_data=None):
    """The page's login session (cookie) or an API token; anything else is refused."""
    try:
        args = _load(ConnectArgs, auth_data) if auth_data is not None else {}
    except Invalid as refusal:
        raise ConnectionRefusedError(refusal.body()) from None
    session_id = None
    try:
        if args.get("token"):
            found = auth.token_login(args["token"])
            user, session_id = found if found else (None, None)
        else:
            session_id = session.get("sid")
            found = auth.session_user(session_id)
            user = found[0] if found else None
        user_id = user.id if user is not None else None
    finally:
        db.session.remove()
    if user_id is None:
        raise ConnectionRefusedError("unauthorized")
    # rooms by which a sign-out finds this socket on whichever process holds it
    join_room(user_room(user_id))
    if session_id:
        join_room(session_room(session_id))
    join_room(frames_room(args.get("frames") == "batch"))


@dataclass
class Catching:
    """One connection's catch-ups: the latest asked (an earlier one still replaying stops), and this minute's."""

    latest: int = 0
    minute_began: float = float("-inf")
    asked: int = 0


_catching: dict[str, Catching] = {}  # by socket id, on this process
_catching_lock = threading.Lock()


def _next_catch_up(sid: str) -> tuple[Catching, int]:
    """This resume's number on the connection: a later one replaces it."""
    with _catching_lock:
        catching = _catching.setdefault(sid, Catching())
        catching.latest += 1
        return catching, catching.latest


def _count_long_catch_up(catching: Catching) -> None:
    """One more catch-up of more than a page this minute, or 429 when the connection asked its share."""
    now, per_minute = time.monotonic(), current_app.config["RESUME_PER_MINUTE"]
    with _catching_lock:
        if now - catching.minute_began >= 60:
            catching.minute_began, catching.asked = now, 0
        if catching.asked >= per_minute:
            wait = max(1, int(catching.minute_began + 60 - now) + 1)
            raise TooManyRequests(_("Too many catch-ups asked on this connection: wait {n} seconds, or reload the "
                                    "page.").format(n=wait), retry_after=wait)
        catching.asked += 1


@socketio.on("resume")
@_answered
def resume(data):
    """Replay every event after `after`, in order and in frames, then acknowledge the seq replayed up to."""
    after = _load(ResumeArgs, data)["after"]
    catching, mine = _next_catch_up(request.sid)
    socketio.sleep(0)  # resumes sent together are all counted before any reads the log
    batch = BATCH_ROOM in rooms()
    page = current_app.config["LIVE_PAGE_SIZE"]
    recent = follower_of(current_app).replay(after)
    if recent is not None:  # a short absence: from memory, no read of the log (the storm's case)
        events, upto = recent
        for start in range(0, len(events), page):
            send_frame(socketio, events[start:start + page], to=request.sid, batch=batch)
        return {"last_seq": upto}
    try:
        if catching.latest != mine:
            return {"replaced": True}
        current = last_seq()
        # Ahead of the log (a rebuilt database) or too far behind: the client reloads.
        if after > current or current - after > current_app.config["RESUME_MAX_GAP"]:
            return {"reload": True}
        if current - after > page:
            _count_long_catch_up(catching)
        # Every event up to `current` is committed and visible now (the counter
        # and the events are written in one transaction) and seqs have no gaps,
        # so this replays exactly (after, current]: the acknowledgement is true
        # to what was sent.
        for events in read_pages(after, current, page):
            if catching.latest != mine:
                return {"replaced": True}  # a later resume on this connection answers instead
            # this socket lives on this process: no trip through the message queue
            send_frame(socketio, events, to=request.sid, batch=batch)
            socketio.sleep(0)  # a long catch-up lets the live pushes of others through
    finally:
        db.session.remove()
    return {"last_seq": current}


@socketio.on("disconnect")
def disconnect(*_reason):
    with _catching_lock:
        _catching.pop(request.sid, None)


@socketio.on("watch")
@_answered
def watch(data):
    incident_id = _load(WatchArgs, data)["incident_id"]
    try:
        known = db.session.get(Incident, incident_id) is not None
    finally:
        db.session.remove()
    if not known:
        raise NotFound(MISSING["incident"], fields={"incident_id": [MISSING["incident"]]})
    join_room(incident_room(incident_id))
    return {"watching": incident_id}


@socketio.on("unwatch")
@_answered
def unwatch(data):
    incident_id = _load(WatchArgs, data)["incident_id"]
    leave_room(incident_room(incident_id))
    return {"watching": None}
