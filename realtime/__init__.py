"""Live push over Socket.IO. The async mode is chosen here, from configuration, and nowhere else.

The handlers and the after-commit receivers are attached once, when this
package is imported; `init_app` may run for several apps (the tests build one
per database backend) and only binds the current server to that app.
"""
from __future__ import annotations

from flask import Flask
from flask_socketio import SocketIO
from socketio import packet

from dispatch import json_codec, security

socketio = SocketIO()

from . import broadcast, follower, handlers, intake  # noqa: E402,F401  (attach the handlers and receivers once)
from .direct import install as keep_websockets, uncompressed  # noqa: E402
from .offload import install_thread_pool  # noqa: E402
from .rooms import client_manager  # noqa: E402


def init_app(app: Flask) -> SocketIO:
    socketio.init_app(
        app,
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        # a fresh manager per server: it carries sign-outs between processes
        client_manager=client_manager(app.config["SOCKETIO_MESSAGE_QUEUE"], app.config["SOCKETIO_CHANNEL"]),
        cors_allowed_origins=allowed_origin(app.config["ALLOWED_ORIGINS"]),
        manage_session=False,  # the login session lives on the server; sockets read it, never write it
        serializer=TextPacket,
    )
    # the long-polling answers Engine.IO makes itself carry the pages' security headers too
    app.wsgi_app = security.guard_answers_flask_never_sees(app.wsgi_app)
    install_thread_pool(app.config["SOCKETIO_ASYNC_MODE"])  # password hashing off the loop
    intake.guard(socketio.server)  # a frame that cannot be read is dropped, not a traceback in the log
    keep_websockets()  # the follower writes frames straight to the websockets that can take them (direct.py)
    if not app.config["LIVE_COMPRESSION"]:
        app.wsgi_app = uncompressed(app.wsgi_app)
    follower.bind(app, socketio)
    # /healthz says how many connections this process holds (Engine.IO sessions: screens, and long-polls)
    app.extensions["live_connections"] = lambda: len(socketio.server.eio.sockets)
    return socketio


class TextPacket(packet.Packet):
    """Dispatch sends JSON only: skip the search for binary attachments, a walk over every value of a
    frame that cost more than encoding it (0.37 s against 0.15 s for 10 000 events of catch-up)."""

    uses_binary_events = False
    json = json_codec


def allowed_origin(configured: list[str]):
    """The server's own origin (as the browser reached it) and any configured one."""
    extra = frozenset(origin.rstrip("/") for origin in configured)

    def check(origin: str, environ: dict) -> bool:
        scheme = environ.get("HTTP_X_FORWARDED_PROTO") or environ.get("wsgi.url_scheme", "http")
        # the proxy passes the Host the browser used (deploy/nginx.conf)
        return origin == f"{scheme}://{environ.get('HTTP_HOST', '')}" or origin in extra

    return check
