"""After a commit: wake this process's log follower; sign-outs; the heartbeat.

Events reach clients only through the follower (follower.py), which reads them
from the log in `seq` order; the message queue (Redis) carries only what
Socket.IO itself needs between processes: ending a user's sockets wherever
they are. The heartbeat's `last_seq` and `resume` still make the stream
lossless when a push is lost on the way (a dropped socket, a process that died).

The receivers are connected once, at import, and find the follower of the app
that committed, so building a second app never doubles a push.
"""
from __future__ import annotations

import logging

from flask import Flask, current_app, has_app_context
from flask_socketio import SocketIO
from sqlalchemy.exc import SQLAlchemyError

from dispatch.auth.service import sessions_ended
from dispatch.db import db
from dispatch.events import events_committed, last_seq

from . import socketio
from .follower import follower_of
from .rooms import SIGN_OUT, session_room, user_room

log = logging.getLogger("dispatch.realtime")


@events_committed.connect
def push(_sender, events):
    if has_app_context() and "dispatch_follower" in current_app.extensions:
        follower_of(current_app).committed(events)


@sessions_ended.connect
def end_sockets(_sender, user_id, session_id):
    """Close the signed-out sockets on every process (see rooms.py)."""
    room = session_room(session_id) if session_id else user_room(user_id)
    socketio.emit(SIGN_OUT, {}, to=room)


def heartbeat(app: Flask) -> None:
    """Every few seconds, tell this process's clients the last committed seq."""
    while True:
        socketio.sleep(app.config["HEARTBEAT_SECONDS"])
        with app.app_context():
            try:
                seq = last_seq()
            except SQLAlchemyError:
                log.warning("heartbeat skipped: the database did not answer")
                continue
            finally:
                db.session.remove()
        # each process beats for its own clients only
        socketio.emit("heartbeat", {"last_seq": seq}, ignore_queue=True)


def start_background(app: Flask, server: SocketIO = socketio) -> None:
    """A serving process: the log follower and the heartbeat."""
    follower_of(app).start()
    server.start_background_task(heartbeat, app)
