"""A server holds thousands of live screens, not eventlet's default 1 024 connections.

A real `python wsgi.py` process and raw Engine.IO websocket clients (one signed-in
cookie, reused): past 1 024 open screens a sign-in and a write still answer, and
the write's event reaches every screen, the last one to connect included; then
every screen dropped at once and back (a reconnect storm) gets what it missed.
The capacity it reports follows DISPATCH_MAX_CONNECTIONS and the open-file limit.
"""
from __future__ import annotations

import json
import resource
import selectors
import time

import pytest
import requests
import websocket
from sqlalchemy import create_engine, text

from dispatch.capacity import FD_HEADROOM, raise_open_file_limit
from dispatch.db import driver_url

from .support import fresh_postgres_database, http_login, incident_payload, running_server

SCREENS = 1_100  # past eventlet's default of 1 024 simultaneous connections
WAIT = 30  # seconds: the bound on every wait

pytestmark = [pytest.mark.servers, pytest.mark.long]


class Screens:
    """Many raw Engine.IO websocket clients signed in with one cookie, read through one selector."""

    def __init__(self, base: str, cookie: str):
        self.url = base.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        self.cookie = cookie
        self.sockets: list[websocket.WebSocket] = []
        self.selector = selectors.DefaultSelector()  # epoll: select() stops at descriptor 1 024

    def open(self, count: int, resume_after: int | None = None) -> None:
        """`count` screens more; each asks to resume after `resume_after` when given (a screen coming back)."""
        for _ in range(count):
            ws = websocket.create_connection(self.url, cookie=self.cookie, timeout=WAIT, skip_utf8_validation=True)
            assert ws.recv().startswith("0")  # Engine.IO open
            ws.send("40")  # Socket.IO connect: the session cookie signs it in
            while not (answer := ws.recv()).startswith("40"):
                assert answer.startswith("42"), answer  # a push before the connect's answer
            if resume_after is not None:
                ws.send("420" + json.dumps(["resume", {"after": resume_after}]))
            self.selector.register(ws.sock, selectors.EVENT_READ, ws)
            self.sockets.append(ws)

    def drop(self) -> None:
        """Every screen gone at once, with no goodbye (a network falling)."""
        for ws in self.sockets:
            self.selector.unregister(ws.sock)
            ws.shutdown()
        self.sockets = []

    def wait_for(self, wanted, timeout: float = WAIT, answers: bool = False) -> set[int]:
        """Read every screen until each has received an event `wanted` accepts (and, with `answers`, the answer
        to its resume); the indexes of those that did."""
        index = {id(ws): n for n, ws in enumerate(self.sockets)}
        self.answered: set[int] = set()  # screens whose resume was answered
        got: set[int] = set()
        deadline = time.monotonic() + timeout
        while (len(got) < len(self.sockets) or answers and len(self.answered) < len(self.sockets)) \
                and time.monotonic() < deadline:
            for key, _ in self.selector.select(0.5):
                ws = key.data
                message = ws.recv()
                if message == "2":
                    ws.send("3")
                elif message.startswith("43"):
                    self.answered.add(index[id(ws)])
                elif message.startswith("42"):
                    name, body = json.loads(message[2:])[:2]
                    events = body if name == "events" else [body] if name == "event" else []
                    if any(wanted(event) for event in events):
                        got.add(index[id(ws)])
        return got

    def close(self) -> None:
        for ws in self.sockets:
            ws.close()
        self.selector.close()


@pytest.mark.parametrize("async_mode", ["eventlet", "gevent"])
def test_past_1024_live_screens_a_sign_in_and_a_write_still_answer_and_reach_the_last_screen(tmp_path, async_mode):
    if raise_open_file_limit(SCREENS + FD_HEADROOM) < SCREENS + FD_HEADROOM:
        pytest.skip("the open-file limit of this machine holds too few connections for the clients")
    began = time.monotonic()
    with running_server(f"sqlite:///{tmp_path / 'screens.db'}", instance_dir=tmp_path,
                        env={"DISPATCH_ASYNC_MODE": async_mode}) as server:
        base = server.url
        watcher = http_login(base, "leader")
        screens = Screens(base, "; ".join(f"{k}={v}" for k, v in watcher.cookies.items()))
        try:
            screens.open(SCREENS)
            health = requests.get(f"{base}/healthz", timeout=WAIT).json()
            assert health["status"] == "ok"
            assert health["screens"]["connected"] >= SCREENS
            assert health["screens"]["capacity"] >= SCREENS

            duty = http_login(base, "duty")  # a sign-in past the 1 024th connection
            created = duty.post(f"{base}/api/incidents", json=incident_payload(title="Past the old limit"),
                                timeout=WAIT)
            assert created.status_code == 201, created.text
            incident_id = created.json()["id"]
            got = screens.wait_for(lambda event: event["type"] == "incident.registered"
                                   and event["incident_id"] == incident_id)
            assert SCREENS - 1 in got  # the last screen to connect
            assert len(got) == SCREENS, f"{SCREENS - len(got)} screens never received the event"

            # The storm: every screen dropped at once, a change made while they are away, all back at once.
            held = duty.get(f"{base}/api/events?limit=1", timeout=WAIT).json()["last_seq"]
            screens.drop()
            missed = duty.post(f"{base}/api/incidents", json=incident_payload(title="While they were away"),
                               timeout=WAIT)
            assert missed.status_code == 201, missed.text
            screens.open(SCREENS, resume_after=held)
            got = screens.wait_for(lambda event: event["incident_id"] == missed.json()["id"], answers=True)
            assert len(got) == SCREENS, f"{SCREENS - len(got)} screens came back without the change they missed"
            assert len(screens.answered) == SCREENS, "a resume went unanswered"
        finally:
            screens.close()
    assert time.monotonic() - began < 60


def limit_open_files(soft: int, hard: int):
    return lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@pytest.mark.parametrize(("setting", "soft", "hard", "capacity"), [
    (10_000, 512, 900, 900 - FD_HEADROOM),  # raised to the hard limit, and still short of the setting
    (300, 400, 900, 300),  # raised as far as the setting needs: 300 screens and the headroom
])
def test_the_server_raises_its_open_file_limit_and_says_how_many_screens_it_holds(tmp_path, setting, soft, hard,
                                                                                  capacity):
    env = {"DISPATCH_MAX_CONNECTIONS": str(setting)}
    with running_server(f"sqlite:///{tmp_path / 'limit.db'}", instance_dir=tmp_path, env=env,
                        preexec_fn=limit_open_files(soft, hard)) as server:
        health = requests.get(f"{server.url}/healthz", timeout=WAIT).json()
        assert health["screens"] == {"capacity": capacity, "connected": 0}
        said = server.log.read_text()
        assert f"Live screens: up to {capacity} at once" in said
        if capacity < setting:
            assert f"the open-file limit {hard} allows no more" in said
        limits = (server.process.pid, resource.RLIMIT_NOFILE)
        assert resource.prlimit(*limits)[0] == min(setting + FD_HEADROOM, hard)


@pytest.mark.postgres
def test_a_screen_back_from_a_short_absence_is_answered_from_memory_even_while_the_log_cannot_be_read(tmp_path):
    """A storm of resumes reads nothing: the events each screen missed come from the server's memory of what it
    pushed. Shown here with the log locked against every reader: the resume is answered all the same."""
    url = fresh_postgres_database("screens_replay")
    with running_server(url, instance_dir=tmp_path) as server:
        base = server.url
        duty = http_login(base, "duty")
        held = duty.get(f"{base}/api/events?limit=1", timeout=WAIT).json()["last_seq"]
        created = duty.post(f"{base}/api/incidents", json=incident_payload(title="Missed"), timeout=WAIT)
        assert created.status_code == 201, created.text
        incident_id = created.json()["id"]
        watcher = http_login(base, "leader")
        screens = Screens(base, "; ".join(f"{k}={v}" for k, v in watcher.cookies.items()))
        locker = create_engine(driver_url(url))
        try:
            with locker.connect() as lock:
                lock.execute(text("LOCK TABLE events IN ACCESS EXCLUSIVE MODE"))  # held until the rollback
                screens.open(1, resume_after=held)
                got = screens.wait_for(lambda event: event["incident_id"] == incident_id, timeout=10, answers=True)
                assert got == {0} and screens.answered == {0}
                lock.rollback()
        finally:
            screens.close()
            locker.dispose()
