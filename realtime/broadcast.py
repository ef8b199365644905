"""After-commit push: each committed event is encoded once and broadcast once.

Redis pub/sub (the message queue between processes) is fire-and-forget; the
heartbeat's `last_seq` and `resume` are what make the stream lossless.
"""
from __future__ import annotations

from flask import Flask
from flask_socketio import SocketIO

from dispatch.auth.service import sessions_ended
from dispatch.events import events_committed, last_seq

from .rooms import session_room, user_room


def init_app(app: Flask, socketio: SocketIO) -> None:
    def push(_sender, events):
        for event in events:
            socketio.emit("event", event.to_dict())

    def end_sockets(_sender, user_id, session_id):
        room = session_room(session_id) if session_id else user_room(user_id)
        socketio.emit("signed_out", {}, to=room)
        socketio.close_room(room)  # reaches other processes through the queue too
        for sid, _ in list(socketio.server.manager.get_participants("/", room)):
            socketio.server.disconnect(sid, namespace="/")

    events_committed.connect(push, weak=False)
    sessions_ended.connect(end_sockets, weak=False)

    def heartbeat():
        while True:
            socketio.sleep(app.config["HEARTBEAT_SECONDS"])
            with app.app_context():
                try:
                    seq = last_seq()
                finally:
                    from dispatch.db import db

                    db.session.remove()
            # each process beats for its own clients only
            socketio.emit("heartbeat", {"last_seq": seq}, ignore_queue=True)

    app.extensions["dispatch_heartbeat"] = heartbeat


def start_background(app: Flask, socketio: SocketIO) -> None:
    socketio.start_background_task(app.extensions["dispatch_heartbeat"])
