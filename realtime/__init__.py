"""Live push over Socket.IO. The async mode is chosen here, from configuration, and nowhere else."""
from __future__ import annotations

from flask import Flask
from flask_socketio import SocketIO

socketio = SocketIO()


def init_app(app: Flask) -> SocketIO:
    origins = app.config["ALLOWED_ORIGINS"] or None  # None: only the page's own origin
    socketio.init_app(
        app,
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        message_queue=app.config["SOCKETIO_MESSAGE_QUEUE"],
        cors_allowed_origins=origins,
        manage_session=False,  # the login session lives on the server; sockets read it, never write it
    )
    from . import broadcast, handlers

    handlers.register(socketio)
    broadcast.init_app(app, socketio)
    return socketio
