"""After-commit push: each committed event is encoded once and broadcast once.

Redis pub/sub (the message queue between processes) is fire-and-forget; the
heartbeat's `last_seq` and `resume` are what make the stream lossless.

The receivers are connected once, at import, and emit through the one
`socketio` (bound to whichever app was initialised last), so building a second
app never doubles a push.
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
from .rooms import SIGN_OUT, session_room, user_room

log = logging.getLogger("dispatch.realtime")


def _dropped_for_tests(event) -> bool:
    """DISPATCH_TEST_DROP_PUSHES=k skips the push of every k-th seq.

    It stands in for a push lost after its commit (the process died, or Redis
    pub/sub dropped the message), which a test cannot time reliably; the tests
    prove clients still end with those events through heartbeat and resume.
    """
    every = current_app.config.get("TEST_DROP_PUSHES", 0) if has_app_context() else 0
    return bool(every) and event.seq % every == 0


@events_committed.connect
def push(_sender, events):
    for event in events:
        if _dropped_for_tests(event):
            continue
        # one emit to everyone: python-socketio encodes the packet once for all receivers
        socketio.emit("event", event.to_dict())


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
    server.start_background_task(heartbeat, app)
