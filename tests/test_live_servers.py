"""The live stream through real server processes and real Socket.IO clients (websocket transport).

One process on SQLite; two processes on one PostgreSQL database, each
following the log itself (Redis carries only sign-outs between them); one
process, and two, that lose pushes on purpose. Each client is the reference
client (realtime/client.py), most with batch frames, some with one `event`
per event; each must end with exactly the log.
"""
from __future__ import annotations

import itertools
import json
import os
import socket as std_socket
from contextlib import ExitStack, contextmanager
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
import socketio
from websockets.sync.client import connect

from realtime.client import LiveClient

from .support import (IN_CI, append_events, fresh_postgres_database, http_login, incident_payload,
                      running_server)

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ROLES = ["duty", "leader", "admin", "psb", "lvb", "hrss", "hurd", "nr", "ee", "jus", "hlth", "em", "twn-e", "twn-w"]
WAIT = 30  # seconds: the bound on every wait for a stream to catch up

pytestmark = pytest.mark.servers


def redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


# -- helpers -------------------------------------------------------------------

def cookie_of(http) -> str:
    return "; ".join(f"{name}={value}" for name, value in http.cookies.items())


def current_seq(http, base) -> int:
    return http.get(f"{base}/api/events?limit=1", timeout=10).json()["last_seq"]


def the_log(http, base, after: int) -> list[dict]:
    items = []
    while True:
        page = http.get(f"{base}/api/events", params={"after": after, "limit": 1000}, timeout=10).json()
        items += page["items"]
        if not page["items"]:
            return items
        after = page["items"][-1]["seq"]


def follow(base, username, after=None, **kwargs) -> LiveClient:
    """A signed-in reference client, starting from the log's current end (or `after`)."""
    http = http_login(base, username)
    after = current_seq(http, base) if after is None else after
    client = LiveClient(base, cookie=cookie_of(http), after=after, **kwargs)
    client.http = http
    return client.connect()


def make_changes(base, count_per_writer: int, writers: int = 4, pause=None) -> int:
    """Writers register incidents and edit and move them on, concurrently; returns the changes made."""
    def write(n):
        http = http_login(base, "duty")
        done = 0
        for i in range(count_per_writer):
            created = http.post(f"{base}/api/incidents", timeout=10,
                                json=incident_payload(title=f"Gathering {n}-{i}"))
            assert created.status_code == 201, created.text
            incident = created.json()
            edited = http.patch(f"{base}/api/incidents/{incident['id']}", timeout=10,
                                json={"version": incident["version"], "headcount": 100 + i})
            assert edited.status_code == 200, edited.text
            moved = http.post(f"{base}/api/incidents/{incident['id']}/transitions", timeout=10,
                              json={"action": "respond"})
            assert moved.status_code == 200, moved.text
            done += 3
            if pause is not None:
                pause(n, done)
        return done

    with ThreadPoolExecutor(writers) as pool:
        return sum(pool.map(write, range(writers)))


def assert_every_client_has_the_log(clients, log):
    last = log[-1]["seq"]
    for client in clients:
        assert client.wait_for(last, WAIT), f"stuck at {client.last_seq} of {last}"
    for client in clients:
        assert client.events == log  # every event once, in seq order, in the log's one form
        for frame in client.frames:  # each frame as sent: contiguous, in seq order
            assert frame == list(range(frame[0], frame[0] + len(frame))), frame


def assert_pushed_in_order_with_no_catch_up(clients):
    """Nothing was missed, so nothing was replayed: what arrived, in arrival order, is the log."""
    for client in clients:
        arrived = [seq for frame in client.frames for seq in frame]
        assert arrived == [event["seq"] for event in client.events], "a push out of order or replayed"
        assert client.duplicates == 0


def mixed_clients(urls, count: int) -> list[LiveClient]:
    """Clients of every role over the given processes; every fourth one takes one `event` per event."""
    pairs = itertools.islice(zip(itertools.cycle(urls), itertools.cycle(ROLES)), count)
    return [follow(url, username, frames="each" if n % 4 == 3 else "batch") for n, (url, username) in enumerate(pairs)]


def close_all(clients):
    for client in clients:
        client.close()


# -- one process on SQLite -----------------------------------------------------

@pytest.fixture(scope="module")
def sqlite_server(tmp_path_factory):
    path = tmp_path_factory.mktemp("live_sqlite")
    # compression accepted, so a deflating screen takes the library's path beside the direct one
    env = {"DISPATCH_ALLOWED_ORIGINS": "http://board.county.example", "DISPATCH_LIVE_COMPRESSION": "1"}
    with running_server(f"sqlite:///{path / 'live.db'}", env=env, instance_dir=path) as server:
        yield server


def test_twenty_clients_of_every_role_receive_every_change_of_eight_writers_once_in_order(sqlite_server):
    base = sqlite_server.url
    clients = mixed_clients([base], 21)
    start = clients[0].last_seq
    try:
        made = make_changes(base, count_per_writer=5, writers=8)
        assert made >= 100
        log = the_log(clients[0].http, base, after=start)
        assert len(log) == made
        assert_every_client_has_the_log(clients, log)
        assert any(len(frame) > 1 for client in clients for frame in client.frames)  # commits were coalesced
    finally:
        close_all(clients)


def test_a_client_ten_thousand_events_behind_catches_up_in_frames(sqlite_server, tmp_path_factory):
    base = sqlite_server.url
    http = http_login(base, "leader")
    start = current_seq(http, base)
    append_events(sqlite_server.database_url, 10_000, sqlite_server.instance_dir)
    client = follow(base, "leader", after=start)
    try:
        assert client.wait_for(start + 10_000, WAIT)
        assert [event["seq"] for event in client.events] == list(range(start + 1, start + 10_001))
        assert client.events[-100:] == the_log(http, base, after=start + 9_900)
        assert 20 <= len(client.frames) <= 40  # in pages (500 a frame), not ten thousand messages
    finally:
        client.close()


def raw_screen(stack, base, http, *, compression, slow=False):
    """A websocket screen speaking Engine.IO by hand (as the benchmark's do): a browser's deflate, or none; a
    slow one has a small receive buffer and stops reading after a frame, so the server's writes to it stall."""
    sock = None
    if slow:
        sock = std_socket.socket()
        sock.setsockopt(std_socket.SOL_SOCKET, std_socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", int(base.rsplit(":", 1)[1])))
    ws = stack.enter_context(connect(
        base.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket", sock=sock,
        compression=compression, additional_headers={"Cookie": cookie_of(http)}, proxy=None,
        max_queue=1 if slow else None, max_size=None, ping_interval=None))
    assert ws.recv(timeout=10).startswith("0")
    ws.send("40" + json.dumps({"frames": "batch"}))
    frames = []
    while not (message := ws.recv(timeout=10)).startswith("40"):
        frames.append(message)  # a push may come before the connect's answer
    return ws, frames


def seqs_of(messages) -> list[list[int]]:
    """The `events` frames among Engine.IO messages, each as its seqs."""
    packets = [json.loads(message[2:]) for message in messages if message.startswith("42")]
    return [[event["seq"] for event in body] for name, body, *_ in packets if name == "events"]


@pytest.mark.long
def test_a_stalled_screen_and_a_compressing_one_get_every_frame_whole_and_in_order(sqlite_server):
    """Frames go straight to the websockets that can take them (realtime/direct.py): a screen whose buffer is
    full gets the rest of a frame before anything else, and a browser's compressed socket takes the library's
    path; both end with the log, each frame whole and contiguous."""
    base = sqlite_server.url
    http = http_login(base, "leader")
    start = current_seq(http, base)
    with ExitStack() as stack:
        stalled, stalled_frames = raw_screen(stack, base, http, compression=None, slow=True)
        deflating, deflating_frames = raw_screen(stack, base, http, compression="deflate")
        append_events(sqlite_server.database_url, 20_000, sqlite_server.instance_dir)
        while sum(map(len, seqs_of(deflating_frames))) < 20_000:
            deflating_frames.append(deflating.recv(timeout=WAIT))
        make_changes(base, count_per_writer=2, writers=1)  # and live changes behind the stalled frames
        end = current_seq(http, base)
        while not any(end in frame for frame in seqs_of(stalled_frames)):
            stalled_frames.append(stalled.recv(timeout=WAIT))
        while not any(end in frame for frame in seqs_of(deflating_frames)):
            deflating_frames.append(deflating.recv(timeout=WAIT))
        for frames in (seqs_of(stalled_frames), seqs_of(deflating_frames)):
            assert [seq for frame in frames for seq in frame] == list(range(start + 1, end + 1))
            assert all(frame == list(range(frame[0], frame[0] + len(frame))) for frame in frames)


def test_by_default_a_browsers_compression_offer_is_declined_so_its_screen_takes_the_frame_packed_once(server):
    """DISPATCH_LIVE_COMPRESSION off (the default): the offer every browser makes is not taken up."""
    http = http_login(server.url, "leader")
    with ExitStack() as stack:
        ws, _ = raw_screen(stack, server.url, http, compression="deflate")
        assert ws.protocol.extensions == []


def test_a_client_disconnected_mid_stream_resumes_with_no_gap(sqlite_server):
    base = sqlite_server.url
    client = follow(base, "psb")
    start = client.last_seq
    reconnected = threading.Event()

    def drop_and_come_back(writer, done):
        if writer == 0 and done == 6:
            client.close()  # off the network while the others keep writing
        if writer == 0 and done == 15:
            client.connect()
            reconnected.set()

    try:
        make_changes(base, count_per_writer=8, writers=2, pause=drop_and_come_back)
        assert reconnected.is_set()
        log = the_log(client.http, base, after=start)
        assert_every_client_has_the_log([client], log)
        assert client.resumes >= 2  # on connect, and again on coming back
    finally:
        client.close()


@pytest.mark.parametrize("origin,accepted", [
    (None, True),  # the page's own origin (what the websocket client sends by default)
    ("http://board.county.example", True),  # configured in DISPATCH_ALLOWED_ORIGINS
    ("http://evil.example", False),
])
def test_the_origin_is_checked_against_the_configuration(sqlite_server, origin, accepted):
    http = http_login(sqlite_server.url, "leader")
    client = LiveClient(sqlite_server.url, cookie=cookie_of(http), origin=origin)
    try:
        if accepted:
            assert client.connect().connected
        else:
            with pytest.raises(socketio.exceptions.ConnectionError):
                client.connect()
    finally:
        client.close()


@pytest.mark.parametrize("cookie", [None, "dispatch_session=eyJzaWQiOiJ4In0.forged.signature"],
                         ids=["anonymous", "forged-cookie"])
def test_a_real_server_refuses_connections_without_a_login(sqlite_server, cookie):
    client = LiveClient(sqlite_server.url, cookie=cookie)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect()
    client.close()


def test_a_signed_out_browser_loses_its_socket(sqlite_server):
    client = follow(sqlite_server.url, "hlth")
    try:
        assert client.http.delete(f"{sqlite_server.url}/api/session", timeout=10).status_code == 204
        assert client.signed_out.wait(5) and client.disconnected.wait(5)
    finally:
        client.close()


# -- a push lost after its commit ----------------------------------------------

@pytest.fixture(scope="module")
def lossy_server(tmp_path_factory):
    path = tmp_path_factory.mktemp("live_lossy")
    with running_server(f"sqlite:///{path / 'live.db'}", instance_dir=path,
                        env={"DISPATCH_TEST_DROP_PUSHES": "3"}) as server:
        yield server


def test_clients_recover_pushes_that_were_lost_through_heartbeat_and_resume(lossy_server):
    base = lossy_server.url
    clients = mixed_clients([base], 8)
    start = clients[0].last_seq
    try:
        make_changes(base, count_per_writer=3, writers=8)
        log = the_log(clients[0].http, base, after=start)
        assert any(event["seq"] % 3 == 0 for event in log)  # some pushes were surely dropped
        assert_every_client_has_the_log(clients, log)
        assert all(client.resumes >= 2 for client in clients)
    finally:
        close_all(clients)


def test_a_lost_last_push_arrives_through_the_heartbeat(lossy_server):
    base = lossy_server.url
    client = follow(base, "leader")
    http = http_login(base, "duty")
    try:
        # register at least once, until the last event's push is one that is dropped: nothing follows it
        while True:
            assert http.post(f"{base}/api/incidents", json=incident_payload(), timeout=10).status_code == 201
            if current_seq(http, base) % 3 == 0:
                break
        last = current_seq(http, base)
        assert client.wait_for(last, WAIT)
        assert [event["seq"] for event in client.events][-1] == last
    finally:
        client.close()


# -- two processes, one PostgreSQL database, Redis between them ---------------------

@contextmanager
def processes_on_postgres(tmp_path_factory, name: str, env: dict | None = None):
    if not redis_available():
        if IN_CI:
            pytest.fail(f"Redis does not answer at {REDIS_URL}")
        pytest.skip(f"Redis does not answer at {REDIS_URL}")
    url = fresh_postgres_database(name)  # dropped and made anew each run
    path = tmp_path_factory.mktemp(name)  # one instance dir: one SECRET_KEY for both
    env = {"SOCKETIO_MESSAGE_QUEUE": REDIS_URL, "DISPATCH_SOCKETIO_CHANNEL": f"dispatch-test-{uuid.uuid4().hex}",
           **(env or {})}
    with running_server(url, env=env, instance_dir=path) as first:  # migrates and loads the demo first
        with running_server(url, env=env, instance_dir=path) as second:
            yield first, second


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory):
    # No heartbeat during a test: only pushes can bring an event, so order and completeness are the pushes'.
    # No poll either: another process's commits can reach a follower only by PostgreSQL's NOTIFY.
    with processes_on_postgres(tmp_path_factory, "dispatch_live_two", {"DISPATCH_HEARTBEAT_SECONDS": "600",
                                                                       "DISPATCH_LIVE_POLL_SECONDS": "600"}) as pair:
        yield pair


def concurrent_writes_on_both(first, second) -> int:
    """Eight writers, four on each process, at once."""
    with ThreadPoolExecutor(2) as pool:
        return sum(pool.map(lambda url: make_changes(url, count_per_writer=6, writers=4), (first.url, second.url)))


def test_clients_on_both_processes_receive_eight_writers_changes_pushed_in_seq_order(two_processes):
    first, second = two_processes
    clients = mixed_clients([first.url, second.url], 22)
    start = clients[0].last_seq
    assert all(client.last_seq == start for client in clients)  # one log, whichever process they joined
    try:
        made = concurrent_writes_on_both(first, second)
        log = the_log(clients[0].http, first.url, after=start)
        assert len(log) == made
        assert_every_client_has_the_log(clients, log)
        assert_pushed_in_order_with_no_catch_up(clients)
    finally:
        close_all(clients)


@pytest.fixture(scope="module")
def two_lossy_processes(tmp_path_factory):
    with processes_on_postgres(tmp_path_factory, "dispatch_live_two_lossy", {"DISPATCH_TEST_DROP_PUSHES": "4"}) as pair:
        yield pair


@pytest.mark.long
def test_two_processes_that_lose_pushes_still_bring_every_client_the_whole_log_in_order(two_lossy_processes):
    first, second = two_lossy_processes
    clients = mixed_clients([first.url, second.url], 12)
    start = clients[0].last_seq
    try:
        made = concurrent_writes_on_both(first, second)
        log = the_log(clients[0].http, first.url, after=start)
        assert len(log) == made and any(event["seq"] % 4 == 0 for event in log)
        assert_every_client_has_the_log(clients, log)
        assert all(client.resumes >= 2 for client in clients)  # the losses were noticed and replayed
    finally:
        close_all(clients)


def test_signing_out_on_one_process_closes_the_socket_on_the_other(two_processes):
    first, second = two_processes
    http = http_login(first.url, "ee")
    on_first = LiveClient(first.url, cookie=cookie_of(http)).connect()
    try:
        # the session cookie works on either process: the session lives in the database
        assert http.delete(f"{second.url}/api/session", timeout=10).status_code == 204
        assert on_first.signed_out.wait(5) and on_first.disconnected.wait(5)
    finally:
        on_first.close()



def test_disabling_a_user_on_one_process_closes_their_sockets_on_the_other(two_processes):
    first, second = two_processes
    admin = http_login(second.url, "admin")
    township = http_login(first.url, "twn-w")
    user_id = township.get(f"{first.url}/api/session", timeout=10).json()["user"]["id"]
    # a token is issued by the user it acts as (docs/operations.md, "Users and tokens")
    token = township.post(f"{first.url}/api/tokens", json={"name": "township screen"}, timeout=10).json()["token"]
    on_first = LiveClient(first.url, token=token).connect()
    try:
        assert admin.patch(f"{second.url}/api/users/{user_id}", json={"active": False}, timeout=10).ok
        assert on_first.signed_out.wait(5) and on_first.disconnected.wait(5)
    finally:
        on_first.close()
        admin.patch(f"{second.url}/api/users/{user_id}", json={"active": True}, timeout=10)
