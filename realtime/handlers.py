"""Socket.IO handlers: authenticated connect, resume from a seq, watch an incident.

Attached once, at import, to the one `socketio`; every app it is bound to uses them.
"""
from __future__ import annotations

from flask import current_app, request, session
from flask_socketio import join_room, leave_room

from dispatch.auth import service as auth
from dispatch.db import db
from dispatch.events import events_after, last_seq
from dispatch.incidents.models import Incident

from . import socketio
from .rooms import incident_room, session_room, user_room


def _invalid(name: str, message: str) -> dict:
    return {"error": {"code": "invalid", "message": message, "fields": {name: [message]}}}


def _whole_number(data, name: str) -> int | None:
    value = data.get(name) if isinstance(data, dict) else None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


@socketio.on("connect")
def connect(auth_data=None):
    """The page's login session (cookie) or an API token; anything else is refused."""
    token = auth_data.get("token") if isinstance(auth_data, dict) else None
    session_id = None
    try:
        if token:
            user = auth.token_user(str(token))
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


@socketio.on("resume")
def resume(data):
    """Replay every event after `after`, in order, then acknowledge the seq replayed up to."""
    after = _whole_number(data, "after")
    if after is None:
        return _invalid("after", "A non-negative integer.")
    try:
        current = last_seq()
        # Ahead of the log (a rebuilt database) or too far behind: the client reloads.
        if after > current or current - after > current_app.config["RESUME_MAX_GAP"]:
            return {"reload": True}
        # Every event up to `current` is committed and visible now (the counter
        # and the events are written in one transaction) and seqs have no gaps,
        # so this replays exactly (after, current]: the acknowledgement is true
        # to what was sent.
        replay = [event.to_dict() for event in events_after(after, limit=current - after)]
    finally:
        db.session.remove()
    for event in replay:
        # this socket lives on this process: no trip through the message queue
        socketio.emit("event", event, to=request.sid, ignore_queue=True)
    return {"last_seq": current}


@socketio.on("watch")
def watch(data):
    incident_id = _whole_number(data, "incident_id")
    if not incident_id:
        return _invalid("incident_id", "A positive integer.")
    try:
        known = db.session.get(Incident, incident_id) is not None
    finally:
        db.session.remove()
    if not known:
        return {"error": {"code": "not_found", "message": "No such incident.",
                          "fields": {"incident_id": ["No such incident."]}}}
    join_room(incident_room(incident_id))
    return {"watching": incident_id}


@socketio.on("unwatch")
def unwatch(data):
    incident_id = _whole_number(data, "incident_id")
    if not incident_id:
        return _invalid("incident_id", "A positive integer.")
    leave_room(incident_room(incident_id))
    return {"watching": None}
