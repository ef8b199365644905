"""Socket input that cannot be read is counted and dropped, with one log line per client per minute.

A frame Socket.IO cannot decode (broken JSON, an unknown packet type, a binary
attachment nobody announced) raised inside the server's message handler, which
logged a traceback per frame: a client sending garbage wrote the server's log
full. Such a frame is dropped here; each client (by address) gets one line a
minute saying how many of its frames were dropped.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

log = logging.getLogger("dispatch.realtime")
LOG_EVERY_SECONDS = 60.0


@dataclass
class Dropped:
    count: int = 0  # frames dropped since the last line
    total: int = 0
    logged_at: float = float("-inf")


class UnreadableInput:
    """The frames dropped, by client address."""

    def __init__(self):
        self.by_client: dict[str, Dropped] = {}
        self._lock = threading.Lock()

    def drop(self, client: str, error: BaseException) -> None:
        now = time.monotonic()
        with self._lock:
            dropped = self.by_client.setdefault(client, Dropped())
            dropped.count += 1
            dropped.total += 1
            if now - dropped.logged_at < LOG_EVERY_SECONDS:
                return
            count, dropped.count, dropped.logged_at = dropped.count, 0, now
            self._forget_quiet(now)
        log.warning("socket input from %s could not be read: %d frame(s) dropped (%s); the next line in a minute "
                    "at most", client, count, type(error).__name__)

    def total(self) -> int:
        with self._lock:
            return sum(dropped.total for dropped in self.by_client.values())

    def _forget_quiet(self, now: float) -> None:
        for client in [client for client, dropped in self.by_client.items()
                       if now - dropped.logged_at > 10 * LOG_EVERY_SECONDS]:
            del self.by_client[client]


unreadable = UnreadableInput()


def guard(server) -> None:
    """Wrap the Socket.IO server's Engine.IO message handler: a frame it cannot read is counted and dropped.

    Event handlers run apart (async handlers): what is caught here is only the decoding and dispatch of a frame."""
    eio = server.eio
    handle = eio.handlers["message"]
    if getattr(handle, "guarded", False):
        return

    def guarded(eio_sid, data):
        try:
            return handle(eio_sid, data)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError) as error:
            environ = server.environ.get(eio_sid) or {}
            unreadable.drop(environ.get("REMOTE_ADDR") or "-", error)
            return None

    guarded.guarded = True
    eio.handlers["message"] = guarded
