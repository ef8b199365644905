"""The reference live client (Python): the rules every client of the stream follows.

- Ask for batch frames (`auth: {"frames": "batch"}`): each `events` frame is a
  list of contiguous events in `seq` order; take them one by one.
- Remember the last applied `seq`; apply each event once, in `seq` order.
- A `seq` already applied is dropped.
- A gap (an event ahead of the next expected one, or a heartbeat whose
  `last_seq` is ahead) means a push was missed: after a short grace for an
  event still on its way, ask `resume {after: last_seq}` and apply what comes
  back. Events that arrived ahead of the gap wait until it is filled.
- On every (re)connect, resume from the last applied seq.
- `{reload: true}`: too far behind to replay; the caller reloads its state
  through the API and tells the client the seq that state stands at.

The board's JavaScript follows the same rules. The tests and the benchmark use
this class.
"""
from __future__ import annotations

import threading
from typing import Callable

import engineio
import socketio


class _InOrderEngineIO(engineio.Client):
    # Engine.IO hands each message to a new thread by default, which can
    # reorder events that the server sent in order; one reader keeps the order.
    def _trigger_event(self, event, *args, **kwargs):
        if event == "message":
            kwargs["run_async"] = False
        return super()._trigger_event(event, *args, **kwargs)


class _InOrderSocketIO(socketio.Client):
    def _engineio_client_class(self):
        return _InOrderEngineIO


class LiveClient:
    """Follows the live stream of one server (or one proxy in front of several)."""

    def __init__(self, url: str, *, cookie: str | None = None, token: str | None = None,
                 origin: str | None = None, after: int = 0,
                 on_event: Callable[[dict], None] | None = None,
                 on_reload: Callable[[], int] | None = None, gap_grace: float = 0.3,
                 frames: str = "batch"):
        self.url = url
        self.last_seq = after
        self.events: list[dict] = []  # everything applied, when no on_event is given
        self.on_event = on_event or self.events.append
        self.on_reload = on_reload
        self.gap_grace = gap_grace
        self.duplicates = 0
        self.resumes = 0
        self.reloads = 0
        self.signed_out = threading.Event()  # the server ended this login session
        self.disconnected = threading.Event()
        self.stale = False  # told to reload with no way to: it stops applying
        self._early: dict[int, dict] = {}  # events that arrived ahead of a gap
        self._behind = after  # the highest seq known to exist
        self._resuming = False
        self._timer: threading.Timer | None = None
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._headers = {"Cookie": cookie} if cookie else {}
        self.frames: list[list[int]] = []  # the seqs of each frame received, as received
        self._auth = {"frames": frames, **({"token": token} if token else {})}
        options = {"websocket_extra_options": {"origin": origin}} if origin else {}
        self.sio = _InOrderSocketIO(reconnection_delay=0.2, reconnection_delay_max=1, **options)
        self.sio.on("connect", self._on_connect)
        self.sio.on("event", self._on_one_event)
        self.sio.on("events", self._on_frame)
        self.sio.on("heartbeat", self._on_heartbeat)
        self.sio.on("disconnect", lambda *_: self.disconnected.set())
        self.sio.on("signed_out", lambda *_: self.signed_out.set())

    # -- connection ---------------------------------------------------------

    def connect(self, timeout: float = 10) -> "LiveClient":
        self.sio.connect(self.url, headers=self._headers, auth=self._auth, transports=["websocket"],
                         wait_timeout=timeout)
        return self

    def close(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        self.sio.disconnect()

    @property
    def connected(self) -> bool:
        return self.sio.connected

    def wait_for(self, seq: int, timeout: float) -> bool:
        """Block until the event `seq` is applied (or the timeout passes)."""
        with self._changed:
            return self._changed.wait_for(lambda: self.last_seq >= seq, timeout)

    # -- the rules ----------------------------------------------------------

    def _on_connect(self):
        self.disconnected.clear()
        with self._lock:
            self._resuming = False  # an ask on a dropped connection is never answered
            self._resume()

    def _on_frame(self, events):
        with self._lock:
            self.frames.append([event["seq"] for event in events])
            for event in events:
                self._on_event(event)

    def _on_one_event(self, event):
        with self._lock:
            self.frames.append([event["seq"]])
            self._on_event(event)

    def _on_event(self, event):
        with self._lock:
            seq = event["seq"]
            if seq <= self.last_seq or seq in self._early:
                self.duplicates += 1
                return
            if seq == self.last_seq + 1:
                self._apply(event)
            else:
                self._early[seq] = event
                self._missing(seq - 1)

    def _on_heartbeat(self, beat):
        with self._lock:
            if beat.get("last_seq", 0) > self.last_seq:
                self._missing(beat["last_seq"])

    def _apply(self, event):
        if self.stale:
            return
        self.on_event(event)
        self.last_seq = event["seq"]
        while self.last_seq + 1 in self._early:
            following = self._early.pop(self.last_seq + 1)
            self.on_event(following)
            self.last_seq = following["seq"]
        self._changed.notify_all()

    def _missing(self, seq: int):
        """Something up to `seq` exists that this client has not applied: resume unless it arrives."""
        self._behind = max(self._behind, seq)
        if self._timer is None and not self._resuming:
            self._timer = threading.Timer(self.gap_grace, self._grace_over)
            self._timer.daemon = True
            self._timer.start()

    def _grace_over(self):
        with self._lock:
            self._timer = None
            if self.last_seq < self._behind:
                self._resume()

    def _resume(self):
        # `namespaces`, not `connected`: the latter is set only after the connect handler ran
        if self._resuming or self.stale or "/" not in self.sio.namespaces:
            return
        self._resuming = True
        self.resumes += 1
        self.sio.emit("resume", {"after": self.last_seq}, callback=self._resumed)

    def _resumed(self, answer):
        with self._lock:
            self._resuming = False
            if answer.get("reload"):
                self._reload()
            elif self.last_seq < max(self._behind, answer.get("last_seq", 0)):
                self._missing(self._behind)  # still short (a replay lost with a dropped socket)

    def _reload(self):
        self.reloads += 1
        self._early.clear()
        if self.on_reload is None:
            self.stale = True
            self._changed.notify_all()
            return
        self.last_seq = self._behind = self.on_reload()
        self._changed.notify_all()
        self._resume()
