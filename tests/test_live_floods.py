"""Floods on the live connection against a real server: unreadable frames and piled-up catch-ups cost it little."""
from __future__ import annotations

import json
import time
from collections import Counter

import pytest
import websocket

from .support import append_events, http_login, running_server, wait_until
from .test_heavy_work import health_probe
from .test_live_servers import cookie_of

pytestmark = pytest.mark.servers

EVENTS = 7_000  # the red team's log: ten catch-ups from 0 replayed 69 920 events


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    path = tmp_path_factory.mktemp("floods")
    url = f"sqlite:///{path / 'floods.db'}"
    with running_server(url, instance_dir=path):
        pass  # the database migrated and seeded
    # the log written while no server runs: a server reads only what it wrote or was told of while it runs
    append_events(url, EVENTS, instance_dir=path)
    with running_server(url, instance_dir=path) as server:
        yield server


def open_socket(base: str, cookie: str | None = None):
    ws = websocket.create_connection(base.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket",
                                     timeout=30, cookie=cookie, skip_utf8_validation=True)
    assert ws.recv().startswith("0")
    return ws


UNREADABLE = ['42[', '4{', '42["resume",', '4garbage', '43zz', '40{bad', '42[1,2', '4' + '[' * 5000, '451-x', '4-1']


def test_two_hundred_unreadable_frames_from_a_stranger_are_dropped_with_one_log_line(server):
    lines_before = server.log.read_text().splitlines()
    for _ in range(20):
        ws = open_socket(server.url)  # no cookie
        try:
            for frame in UNREADABLE:
                ws.send(frame)
        except (BrokenPipeError, ConnectionResetError, websocket.WebSocketConnectionClosedException):
            pass  # the server may hang up on a stranger sending garbage: what it logs is what is checked
        ws.close()
    http = http_login(server.url, "leader")  # the server goes on, and has read every frame by now
    assert http.get(f"{server.url}/api/session", timeout=10).status_code == 200
    wait_until(lambda: "could not be read" in server.log.read_text(), 10)
    written = server.log.read_text().splitlines()[len(lines_before):]
    dropped = [line for line in written if "could not be read" in line]
    print(f"\n200 unreadable frames: {len(written)} log lines, {sum('Traceback' in line for line in written)} "
          f"tracebacks (before: 14 000 lines, 800 tracebacks)")
    assert not any("Traceback" in line for line in written)
    assert len(dropped) == 1 and "127.0.0.1" in dropped[0]
    assert len(written) <= 5  # that line and the few requests above


def test_ten_catch_ups_from_zero_by_one_screen_replay_the_log_about_once(server):
    http = http_login(server.url, "leader")
    last = http.get(f"{server.url}/api/events?limit=1", timeout=10).json()["last_seq"]
    ws = open_socket(server.url, cookie_of(http))
    ws.send("40" + json.dumps({"frames": "batch"}))
    assert ws.recv().startswith("40")
    stop = health_probe(server.url)
    started = time.perf_counter()
    for n in range(1, 11):
        ws.send('42%d["resume",{"after":0}]' % n)
    replayed, answers = 0, {}
    while len(answers) < 10:
        message = ws.recv()
        if message == "2":
            ws.send("3")
        elif message.startswith('42["events"'):
            replayed += len(json.loads(message[2:])[1])
        elif message.startswith("43"):
            ack_id = message[2:message.index("[")]
            answers[int(ack_id)] = json.loads(message[2 + len(ack_id):])[0]
    seconds = time.perf_counter() - started
    latencies = stop()
    ws.close()
    print(f"\nten resumes from 0 over {last} events: {replayed} replayed in {seconds:.1f} s, /healthz worst "
          f"{max(latencies):.0f} ms (before: 69 920 in 21 s, 575 ms); answers {Counter(map(str, answers.values()))}")
    assert answers[10] == {"last_seq": last}  # the last one asked is answered in full
    assert all(answer == {"replaced": True} for n, answer in answers.items() if n < 10)
    assert replayed <= last + 10 * 500  # one replay, and at most a page of each replaced one
    assert max(latencies) < 400
