"""Socket.IO handlers: authenticated connect, resume from a seq, watch an incident."""
from __future__ import annotations

from flask import current_app, session
from flask_socketio import SocketIO, join_room, leave_room

from dispatch.auth import service as auth
from dispatch.db import db
from dispatch.events import events_after, last_seq

from .rooms import incident_room, session_room, user_room


def register(socketio: SocketIO) -> None:
    @socketio.on("connect")
    def connect(auth_data=None):
        token = auth_data.get("token") if isinstance(auth_data, dict) else None
        session_id = None
        if token:
            user = auth.token_user(str(token))
        else:
            session_id = session.get("sid")
            found = auth.session_user(session_id)
            user = found[0] if found else None
        db.session.remove()
        if user is None:
            raise ConnectionRefusedError("unauthorized")
        join_room(user_room(user.id))
        if session_id:
            join_room(session_room(session_id))

    @socketio.on("resume")
    def resume(data):
        after = data.get("after") if isinstance(data, dict) else None
        if not isinstance(after, int) or isinstance(after, bool) or after < 0:
            return {"error": {"code": "invalid", "fields": {"after": ["A non-negative integer."]}}}
        try:
            current = last_seq()
            if current - after > current_app.config["RESUME_MAX_GAP"]:
                return {"reload": True}
            for event in events_after(after):
                socketio.emit("event", event.to_dict(), to=_sid())
            return {"last_seq": current}
        finally:
            db.session.remove()

    @socketio.on("watch")
    def watch(data):
        incident_id = data.get("incident_id") if isinstance(data, dict) else None
        if not isinstance(incident_id, int):
            return {"error": {"code": "invalid", "fields": {"incident_id": ["An integer."]}}}
        join_room(incident_room(incident_id))
        return {"watching": incident_id}

    @socketio.on("unwatch")
    def unwatch(data):
        incident_id = data.get("incident_id") if isinstance(data, dict) else None
        if isinstance(incident_id, int):
            leave_room(incident_room(incident_id))
        return {"watching": None}


def _sid() -> str:
    from flask import request

    return request.sid
