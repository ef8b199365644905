"""One follower per server process: it reads the committed log in `seq` order and pushes it.

Pushes never travel through the message queue. Each process reads the events
after the last one it pushed (`seq > last_pushed`) straight from the database
and sends them to its own clients, so every client sees the log in `seq`
order whatever order requests committed in and whichever process served them,
and a message lost between processes can lose nothing.

What wakes it: a commit in this process (`events_committed`), on PostgreSQL a
`NOTIFY` sent by the committing transaction of any process, and a short poll
as the safety net. Whatever committed within one window (`LIVE_BATCH_MS`)
goes out as one `events` frame, encoded once for every batch client; clients
that did not ask for batch frames get one `event` per event, in order.

Outside a running server (the in-process tests, the `flask` commands) the
follower is not started and a local commit pushes at once, on the
committing thread.
"""
from __future__ import annotations

import itertools
import logging
import select
import threading
import time
from collections import deque
from typing import Iterable

from engineio import packet as eio_packet
from flask import Flask
from flask_socketio import SocketIO
from socketio import packet
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from dispatch.db import db
from dispatch.events import NOTIFY_CHANNEL, last_seq, shown_events_after

from . import direct

log = logging.getLogger("dispatch.realtime")

BATCH_ROOM = "frames:batch"  # clients that asked for `events` frames
EACH_ROOM = "frames:each"  # clients that take one `event` per event
# The last events pushed, kept as pushed: a screen back from a short absence (a reconnect storm brings back
# thousands at once) resumes from memory, with no read of the log and no database connection waited for.
RECENT_EVENTS = 2000


def frames_room(batch: bool) -> str:
    return BATCH_ROOM if batch else EACH_ROOM


def send_frame(server: SocketIO, events: list[dict], *, to: str | None = None, batch: bool = True,
               chunk: int = 0) -> float:
    """One frame of contiguous events to a room (or, with `to`, to one socket); the seconds it lent the loop
    between chunks."""
    if not events:
        return 0.0
    send = (lambda name, data: server.emit(name, data, to=to, ignore_queue=True) or 0.0) if to else \
        (lambda name, data: fan_out(server, name, data, BATCH_ROOM if batch else EACH_ROOM, chunk))
    if batch:
        return send("events", events)
    return sum(send("event", event) for event in events)


def fan_out(server: SocketIO, name: str, data, room: str, chunk: int = 0) -> float:
    """As Socket.IO's room emit (the packet encoded once), written straight to each websocket that can take it
    now (direct.py) and through the library's queue to any other; yielding between chunks of sockets, so the
    loop reads the requests waiting on it and a write is not held behind a thousand sockets. Returns the seconds
    lent to the loop between chunks (what ran then was not this frame's cost)."""
    sio = server.server
    encoded = sio.packet_class(packet.EVENT, namespace="/", data=[name, data]).encode()
    message = eio_packet.Packet(eio_packet.MESSAGE, encoded)
    frame, eio, spawn = direct.Frame(message), sio.eio, server.start_background_task
    lent = 0.0
    for n, (_sid, eio_sid) in enumerate(sio.manager.get_participants("/", room), 1):
        if not direct.write(eio, eio_sid, frame, spawn):
            sio._send_eio_packet(eio_sid, message)
        if chunk and n % chunk == 0:
            yielded = time.monotonic()
            server.sleep(0)
            lent += time.monotonic() - yielded
    return lent


def read_pages(after: int, upto: int, page: int, session: Session | None = None) -> Iterable[list[dict]]:
    """The log in (after, upto] as pushed, a page at a time, in `seq` order."""
    while after < upto:
        events = shown_events_after(after, page, upto=upto, session=session)
        if not events:
            return
        yield events
        after = events[-1]["seq"]


class Follower:
    """Follows the log of one app for the clients of this process."""

    def __init__(self, app: Flask, server: SocketIO):
        self.app = app
        self.server = server
        self.last_pushed: int | None = None
        self.running = False
        self.frames = 0  # frames pushed, for the benchmark's report
        self._lock = threading.RLock()  # inline pushes may come from several request threads
        self._woken = None
        self._recent: deque[dict] = deque(maxlen=RECENT_EVENTS)  # contiguous, up to `_recent_upto`
        self._recent_upto: int | None = None
        self._lent = 0.0  # seconds the frames being pushed lent the loop between their chunks

    # -- what wakes it ---------------------------------------------------------

    def committed(self, events: list[Event]) -> None:
        """A commit in this process appended `events`."""
        if self.running:
            self._woken.set()
            return
        with self._lock:
            with self._session() as session:
                if self.last_pushed is None or last_seq(session) < self.last_pushed:
                    self.last_pushed = events[0].seq - 1  # the first push here, or the log was rebuilt
            self.pump()

    def forget(self) -> None:
        """The log was emptied (between tests): the next inline push starts from its commit."""
        with self._lock:
            self.last_pushed = None

    # -- the push ----------------------------------------------------------------

    def pump(self) -> int:
        """Push every committed event after the last one pushed, in frames; the count pushed."""
        pushed = 0
        page = self.app.config["LIVE_PAGE_SIZE"]
        # its own session: an inline push must not end the committing request's one
        with self._lock, self._session() as session:
            while True:
                events = _contiguous(shown_events_after(self.last_pushed, page, session=session), self.last_pushed)
                if not events:
                    break
                self._push(events)
                self.last_pushed = events[-1]["seq"]
                pushed += len(events)
                if len(events) < page:
                    break
            if not pushed and last_seq(session) < self.last_pushed:
                self.last_pushed = last_seq(session)  # the log was rebuilt under a running server
                self._recent.clear()
                self._recent_upto = self.last_pushed
        return pushed

    def _session(self) -> Session:
        return Session(db.engine, expire_on_commit=False)

    def replay(self, after: int) -> tuple[list[dict], int] | None:
        """From memory, every event pushed (or being pushed) after `after` and the seq they reach; None when
        memory no longer holds them all (or was never kept: no running follower). Whatever comes after that seq
        is still to be pushed, to every socket in the rooms, so a socket in them misses nothing."""
        if not self.running or self._recent_upto is None:
            return None
        start = self._recent[0]["seq"] - 1 if self._recent else self._recent_upto
        if not start <= after <= self._recent_upto:
            return None
        return list(itertools.islice(self._recent, after - start, None)), self._recent_upto

    def _remember(self, events: list[dict]) -> None:
        if self._recent_upto is not None and events[0]["seq"] != self._recent_upto + 1:
            self._recent.clear()  # the log was rebuilt under a running server: memory starts again
        self._recent.extend(events)
        self._recent_upto = events[-1]["seq"]

    def _push(self, events: list[dict]) -> None:
        # remembered before the fan-out: a socket joining the rooms while it runs gets the frame by replay
        self._remember(events)
        self.frames += 1
        # yielding inside a fan-out is for the running server; an inline push finishes its frame at once
        chunk = self.app.config["LIVE_FAN_OUT_CHUNK"] if self.running else 0
        every = self.app.config["TEST_DROP_PUSHES"]
        if every and any(event["seq"] % every == 0 for event in events):
            # tests only: the frame is lost after its commit; clients recover it by heartbeat and resume
            events = [event for event in events if event["seq"] % every]
            self._lent += send_frame(self.server, events, batch=False, chunk=chunk)
            return
        self._lent += send_frame(self.server, events, batch=True, chunk=chunk)
        self._lent += send_frame(self.server, events, batch=False, chunk=chunk)

    # -- the running follower ------------------------------------------------

    def start(self) -> None:
        with self.app.app_context(), self._session() as session:
            self.last_pushed = self._recent_upto = last_seq(session)
            postgres = db.engine.dialect.name == "postgresql"
        self._woken = self.server.server.eio.create_event()
        self.running = True
        self.server.start_background_task(self._follow)
        if postgres:
            self.server.start_background_task(self._listen)

    def _follow(self) -> None:
        window = self.app.config["LIVE_BATCH_MS"] / 1000
        poll = self.app.config["LIVE_POLL_SECONDS"]
        last_frame, gap = 0.0, window
        while self.running:
            self._woken.wait(poll)
            self._woken.clear()
            # The first change after a quiet spell goes at once; what follows
            # within the gap waits for it and goes out in one frame.
            wait = last_frame + gap - time.monotonic()
            if wait > 0:
                self.server.sleep(wait)
            with self.app.app_context():
                try:
                    began, self._lent = time.monotonic(), 0.0
                    if self.pump():
                        # One yield lets the last sockets' writers send the frame. From the read to here, less
                        # what the loop ran between the chunks (requests; in a reconnect storm, thousands of
                        # handshakes), is what the frame cost: the next frame waits at least as long, so frames
                        # take at most half the loop and with many screens more changes share a frame instead of
                        # the loop falling behind.
                        self.server.sleep(0)
                        last_frame = time.monotonic()
                        gap = max(window, last_frame - began - self._lent)
                except SQLAlchemyError:
                    log.warning("live follower: the database did not answer; retrying")
                    self.server.sleep(poll)

    def _listen(self) -> None:
        """PostgreSQL: `LISTEN` on its own connection; every NOTIFY from a commit wakes the follower."""
        import psycopg2  # the PostgreSQL driver; only this path needs it

        poll = self.app.config["LIVE_POLL_SECONDS"]
        while self.running:
            try:
                connection = self._listening_connection()
                try:
                    while self.running:
                        if select.select([connection], [], [], poll)[0]:
                            connection.poll()
                            if connection.notifies:
                                connection.notifies.clear()
                                self._woken.set()
                finally:
                    connection.close()
            except (SQLAlchemyError, OSError, psycopg2.Error) as error:
                log.warning("live follower: LISTEN lost (%s); the poll carries on", error)
                self.server.sleep(poll)

    def _listening_connection(self):
        with self.app.app_context():
            pooled = db.engine.raw_connection()
        connection = pooled.driver_connection  # read before detaching: a detached proxy no longer names it
        pooled.detach()  # it stays out of the pool: it only listens
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f"LISTEN {NOTIFY_CHANNEL}")
        return connection


def _contiguous(events: list[dict], after: int) -> list[dict]:
    """The events that follow `after` with no gap (seq is gap-free; a gap is a commit still on its way)."""
    for index, event in enumerate(events):
        if event["seq"] != after + 1 + index:
            return events[:index]
    return events


def follower_of(app: Flask) -> Follower:
    return app.extensions["dispatch_follower"]


def bind(app: Flask, server: SocketIO) -> Follower:
    follower = app.extensions.get("dispatch_follower")
    if follower is None:
        follower = app.extensions["dispatch_follower"] = Follower(app, server)
    return follower
