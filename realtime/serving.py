"""The server's loop: one green thread per connection, as many as the screens need.

eventlet's WSGI server holds 1 024 connections at once unless told otherwise,
and each open board holds one for as long as it is open: the 1 025th screen,
and every request after it, would wait at the door. Both green-thread
libraries get the same limit here, the process's screen capacity
(dispatch/capacity.py), and a listen queue long enough for a reconnect storm.
"""
from __future__ import annotations

from flask import Flask
from flask_socketio import SocketIO

BACKLOG_MAX = 65_535  # the kernel holds the listen queue to net.core.somaxconn besides


def serve_forever(app: Flask, socketio: SocketIO, host: str, port: int, connections: int) -> None:
    backlog = min(connections, BACKLOG_MAX)
    if app.config["SOCKETIO_ASYNC_MODE"] == "eventlet":
        import eventlet
        import eventlet.wsgi

        listener = eventlet.listen((host, port), backlog=backlog)
        eventlet.wsgi.server(listener, app, max_size=connections, log_output=False, debug=False)
    else:  # gevent: a pool of that size (its default is no bound at all)
        socketio.run(app, host=host, port=port, log_output=False, spawn=connections, backlog=backlog)
