"""A live frame written straight to each screen's websocket, past python-engineio's per-socket queue and writer.

Through the library, a frame fanned out to a thousand screens cost every socket a put on its queue, a switch
to its writer green thread, the same Engine.IO and websocket encoding again, then the send: most of a
fan-out's time (the profile in docs/performance.md), and the loop the requests wait on. Here the websocket
frame is built once per fan-out and written to each socket at once, when all of these hold:

- the socket is an open eventlet websocket over plain TCP without compression (a browser that asked for
  permessage-deflate has its frames compressed for it alone, by the library);
- nothing of the socket's is waiting or being sent: its queue is empty and its send lock free. What it
  receives keeps its order (a catch-up being replayed to it, a ping, an answer, go first);
- the client still answers pings (as the library checks before every send).

Otherwise the frame takes the library's path. A socket whose buffer cannot take the whole frame gets the rest
from a green thread that holds its send lock meanwhile, so nothing else is written to it in between and the
loop is never held by one slow screen. The receiving side, events and payloads are the library's exactly.
"""
from __future__ import annotations

import sys
from functools import cache

from engineio import socket as eio_socket

_library_handler = eio_socket.Socket._websocket_handler


def _keeping_the_websocket(self, ws):
    self.websocket = ws  # read by `write` below; the library keeps it only inside its own handler
    return _library_handler(self, ws)


def install() -> None:
    eio_socket.Socket._websocket_handler = _keeping_the_websocket


def uncompressed(wsgi_app, prefix: str = "/socket.io"):
    """WSGI middleware: the live sockets' handshakes offered no compression (LIVE_COMPRESSION off), so a
    browser's socket takes the frame packed once for all, like every other screen's."""
    def middleware(environ, start_response):
        if environ.get("PATH_INFO", "").startswith(prefix):
            environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return wsgi_app(environ, start_response)

    return middleware


@cache
def _eventlet_classes() -> tuple[type, type] | tuple[None, None]:
    """eventlet's websocket and socket classes when the server runs on eventlet (its Engine.IO driver has loaded
    them); under gevent, None: every frame takes the library's path."""
    websocket, greenio = sys.modules.get("eventlet.websocket"), sys.modules.get("eventlet.greenio.base")
    if websocket is None or greenio is None:
        return None, None
    return websocket.RFC6455WebSocket, greenio.GreenSocket


class Frame:
    """One Engine.IO message as every uncompressed websocket receives it, packed once, on first use."""

    __slots__ = ("message", "wire")

    def __init__(self, message):
        self.message = message
        self.wire: bytes | None = None


def write(eio_server, eio_sid: str, frame: Frame, spawn) -> bool:
    """The frame written (or being finished) on the socket directly; False: send it the library's way."""
    socket = eio_server.sockets.get(eio_sid)
    ws = getattr(socket, "websocket", None)
    if ws is None:
        return False
    websocket_class, socket_class = _eventlet_classes()
    if (websocket_class is None or type(ws) is not websocket_class or type(ws.socket) is not socket_class
            or ws.extensions.get("permessage-deflate") or ws.websocket_closed
            or socket.closed or socket.closing or not socket.upgraded or socket.queue.qsize()):
        return False
    if not socket.check_ping_timeout():
        return True  # the client is gone: closed, as the library's send would have
    if not ws._sendlock.acquire(blocking=False):
        return False  # something is being sent to it: queued behind that, in order
    if frame.wire is None:
        frame.wire = ws._pack_message(frame.message.encode())
    wire = frame.wire
    try:
        sent = ws.socket.fd.send(wire)
    except BlockingIOError:
        sent = 0
    except OSError:
        ws._sendlock.release()
        return False  # the library's path meets the error and closes the socket
    if sent == len(wire):
        ws._sendlock.release()
    else:
        spawn(_finish, ws, memoryview(wire)[sent:])
    return True


def _finish(ws, rest) -> None:
    """The rest of a frame a slow screen's buffer could not take at once; its send lock is held until sent."""
    try:
        ws.socket.sendall(rest)
    except OSError:
        pass  # its reader sees the connection closed and ends the session
    finally:
        ws._sendlock.release()
