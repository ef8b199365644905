"""Live at scale: N raw Engine.IO websocket clients, a writer at 20 changes a second, beside a bare broadcast.

    .venv/bin/python bench/live_scale.py [--clients 100 300] [--seconds 5] [--json bench/results/x.json]
    .venv/bin/python bench/live_scale.py --clients --screens 10000 [--screens-seconds 30] [--profile x.raw]

Dispatch (`python wsgi.py`, eventlet, a fresh SQLite file) is pinned to one
core; the clients run in separate processes pinned to the other. Each client
authenticates with an API token and asks for batch frames. A writer registers
incidents through the HTTP API at 20 a second. Per event: the time until the
LAST client had it, from the event's commit time (its `at`); deliveries ==
clients x events is asserted; the server's CPU over the write window from
/proc/<pid>/stat, per delivered event; the writes' latency.

Baselines in the same run: a bare Flask-SocketIO server (same async mode) that
broadcasts the same payload, one `event` per change, at the same rate, to the
same clients; and the machine's floor, a bare asyncio `websockets` server that
speaks just enough Engine.IO to the same clients and broadcasts the same
frames. `--burst-clients` runs the same three again with the changes in
bursts: the second's 20 changes back to back, then a pause.
`--postgres-clients` runs Dispatch on PostgreSQL with one server process and
with two (Redis between them, the clients split between the processes, both
pinned to the server's core): what the second process costs.
`--screens` holds that many screens open on one process (asyncio websocket
clients, as many processes as they need, on the clients' core) while changes
come at 2 a second: connect time for all, the server's memory per screen, the
last screen's latency; then the reconnect storm: every screen dropped at once,
back at once and resuming while the changes go on: the time until every one is
back and caught up, and what was lost. Beside it the bare Flask-SocketIO
broadcast, served alike (it replays nothing: its losses are counted). All
traffic stays on 127.0.0.1; every loop is bounded.
"""
from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import os
import re
import select
import signal
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RATE = 20  # changes a second
SERVER_CORE, CLIENT_CORE = 0, 1
PAYLOAD_SIZE = 900  # bytes of filler in the bare payload: about a registered incident's event


def due(n: int, burst: bool, rate: float = RATE) -> float:
    """Seconds from the start at which change `n` is made: evenly spread, or each second's all at once."""
    return float(n // rate) if burst else n / rate


def bare_payload(seq: int) -> dict:
    return {"seq": seq, "at": time.time(), "data": {"filler": "x" * PAYLOAD_SIZE}}


def bare_server(port: int, seconds: float, burst: bool, rate: float = RATE) -> None:
    """The baseline: Flask-SocketIO, one broadcast per change, nothing else (served as Dispatch serves: as many
    connections at once as the screens, a long listen queue)."""
    import eventlet
    import eventlet.wsgi

    eventlet.monkey_patch()
    from dispatch.capacity import raise_open_file_limit, screen_capacity
    from flask import Flask
    from flask_socketio import SocketIO

    app = Flask(__name__)
    socketio = SocketIO(app, async_mode="eventlet")

    finished = []

    @app.post("/start")
    def start():
        def emit_all():
            began = time.monotonic()
            for n in range(int(seconds * rate)):
                socketio.sleep(max(0.0, began + due(n, burst, rate) - time.monotonic()))
                socketio.emit("event", bare_payload(n + 1))
            finished.append(True)
        socketio.start_background_task(emit_all)
        return {"ok": True}

    @app.get("/done")
    def done():
        return {"done": bool(finished)}

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    connections = int(os.environ.get("DISPATCH_MAX_CONNECTIONS", "10000"))
    raise_open_file_limit(connections)
    eventlet.wsgi.server(eventlet.listen(("127.0.0.1", port), backlog=min(connections, 65535)), app,
                         max_size=screen_capacity(connections), log_output=False, debug=False)


def floor_server(port: int, seconds: float, burst: bool) -> None:
    """The floor: asyncio `websockets`, the Engine.IO open and Socket.IO connect answered by hand, then one
    text frame per change broadcast to every socket; nothing else runs in the process."""
    import asyncio

    from websockets.asyncio.server import broadcast, serve

    sockets, finished = set(), []

    async def emit_all():
        began = time.monotonic()
        for n in range(int(seconds * RATE)):
            await asyncio.sleep(max(0.0, began + due(n, burst) - time.monotonic()))
            broadcast(sockets, "42" + json.dumps(["event", bare_payload(n + 1)]))
        finished.append(True)

    async def http(connection, request):
        if request.path == "/start":
            asyncio.get_running_loop().create_task(emit_all())
        if not request.path.startswith("/socket.io/"):
            return connection.respond(200, json.dumps({"done": bool(finished), "status": "ok"}))
        return None

    async def session(websocket):
        await websocket.send('0{"sid":"floor","upgrades":[],"pingInterval":60000,"pingTimeout":60000}')
        async for message in websocket:
            if message.startswith("40"):
                await websocket.send('40{"sid":"floor"}')
                sockets.add(websocket)
        sockets.discard(websocket)

    async def serve_until_stopped():
        async with serve(session, "127.0.0.1", port, process_request=http, compression=None, ping_interval=None):
            await asyncio.Future()

    asyncio.run(serve_until_stopped())


def clients_process(url: str, count: int, auth: dict, seconds: float, ready, stop, results) -> None:
    """`count` raw Engine.IO websocket clients on one core; per seq: deliveries and the last receipt."""
    import websocket

    os.sched_setaffinity(0, {CLIENT_CORE})
    ws_url = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    sockets = []
    for _ in range(count):
        # a browser checks UTF-8 natively; in Python the check cost the client core more than the server spent
        ws = websocket.create_connection(ws_url, timeout=30, skip_utf8_validation=True)
        assert ws.recv().startswith("0")  # Engine.IO open
        ws.send("40" + json.dumps(auth))
        answer = ws.recv()
        assert answer.startswith("40"), answer
        sockets.append(ws)
    ready.put(count)
    seen: dict[int, list] = {}  # seq -> [deliveries, last receipt, commit time if sent]
    deadline = time.monotonic() + seconds  # the bound, whatever the main process does
    by_fd = {ws.sock.fileno(): ws for ws in sockets}
    last_seq = dict.fromkeys(by_fd, 0)  # per socket: the last seq had, so every screen is checked in `seq` order
    out_of_order = 0
    quiet_until = None  # once told to stop: read on until a second passes with nothing (at most 10 s)
    while time.monotonic() < deadline:
        if stop.is_set() and quiet_until is None:
            quiet_until, deadline = time.monotonic() + 1, min(deadline, time.monotonic() + 10)
        if quiet_until is not None and time.monotonic() > quiet_until:
            break
        readable, _, _ = select.select(list(by_fd), [], [], 0.5)
        if readable and quiet_until is not None:
            quiet_until = time.monotonic() + 1
        for fd in readable:
            ws = by_fd[fd]
            message = ws.recv()
            now = time.time()
            if message == "2":
                ws.send("3")
            elif message.startswith("42"):
                name, body = json.loads(message[2:])[:2]
                events = body if name == "events" else [body] if name == "event" else []
                for event in events:
                    if event["seq"] <= last_seq[fd]:
                        out_of_order += 1
                    last_seq[fd] = event["seq"]
                    entry = seen.setdefault(event["seq"], [0, 0.0, event.get("at")])
                    entry[0] += 1
                    entry[1] = max(entry[1], now)
    for ws in sockets:
        ws.close()
    seen[0] = [out_of_order, 0.0, None]  # seq 0 is never an event's: it carries the count out of order
    results.put(seen)


def start_server(args: list[str], env: dict, log: Path, port: int):
    import subprocess

    import requests

    with open(log, "w") as out:
        process = subprocess.Popen([sys.executable, *args], cwd=ROOT, env={**os.environ, **env},
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    os.sched_setaffinity(process.pid, {SERVER_CORE})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok:
                return process
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"{args[0]} did not start; see {log}")


def stop_server(process) -> None:
    import subprocess

    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:  # busy draining a thousand sockets: it need not finish
        process.kill()
        process.wait(10)


class RunQueue:
    """How loaded the server's core was: the share of the window the server's threads were ready to run but
    waited for the core (/proc/<pid>/task/*/schedstat), beside the share they ran. On a machine of its own the
    wait is near 0; others' work on the core shows here, not as Dispatch's own cost."""

    def __init__(self, pids: list[int]):
        self.pids = pids
        self.began, self.start = time.monotonic(), self._read()

    def _read(self) -> tuple[int, int]:
        ran = waited = 0
        for pid in self.pids:
            for task in Path(f"/proc/{pid}/task").iterdir():
                try:
                    run, wait, _ = (int(x) for x in (task / "schedstat").read_text().split())
                except (OSError, ValueError):
                    continue
                ran, waited = ran + run, waited + wait
        return ran, waited

    def shares(self) -> dict:
        ran, waited = self._read()
        wall = (time.monotonic() - self.began) * 1e9 * len(self.pids)
        return {"ran": (ran - self.start[0]) / wall, "waited": (waited - self.start[1]) / wall}


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_clients(urls: str | list[str], count: int, auth: dict, seconds: float, write):
    """Connect `count` clients over a few processes (spread over the servers' `urls`), run `write`, gather what
    they received."""
    urls = [urls] if isinstance(urls, str) else urls
    ctx = multiprocessing.get_context("spawn")
    ready, results, stop = ctx.Queue(), ctx.Queue(), ctx.Event()
    per = max(1, min(250, count // 4 or 1))
    sizes = [per] * (count // per) + ([count % per] if count % per else [])
    listen = seconds * 4 + 60  # the bound on a slow write window; the main process stops them sooner
    procs = [ctx.Process(target=clients_process, args=(urls[n % len(urls)], size, auth, listen, ready, stop, results))
             for n, size in enumerate(sizes)]
    for proc in procs:
        proc.start()
    connected = sum(ready.get(timeout=120) for _ in procs)
    assert connected == count
    time.sleep(1)
    outcome = write()
    stop.set()
    merged: dict[int, list] = {}
    for _ in procs:
        for seq, (n, last, at) in results.get(timeout=listen + 30).items():
            entry = merged.setdefault(seq, [0, 0.0, at])
            entry[0] += n
            entry[1] = max(entry[1], last)
    for proc in procs:
        proc.join(30)
    return merged, outcome


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def dispatch_run(count: int, seconds: float, work: Path, burst: bool = False, database: str = "sqlite",
                 processes: int = 1, profile: Path | None = None) -> dict:
    """Dispatch on SQLite (one process), or on PostgreSQL with one or two processes (Redis between them): the
    clients split between the processes, the writer alternating between them."""
    from tests.support import fresh_postgres_database, free_port, http_login, incident_payload

    env = {"DISPATCH_INSTANCE_DIR": str(work), "HOST": "127.0.0.1", "DISPATCH_PROFILE": "test",
           "DISPATCH_HEARTBEAT_SECONDS": "60"}
    if database == "postgresql":
        env["DATABASE_URL"] = fresh_postgres_database(f"bench_live_{processes}")
        if processes > 1:
            env.update(SOCKETIO_MESSAGE_QUEUE=os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0"),
                       DISPATCH_SOCKETIO_CHANNEL=f"dispatch-bench-{os.getpid()}")
    else:
        env["DATABASE_URL"] = f"sqlite:///{work / f'bench-{count}.db'}"
    servers, bases = [], []
    try:
        for n in range(processes):  # the first migrates and loads the demo before the second starts
            port = free_port()
            servers.append(start_server(["wsgi.py"], {**env, "PORT": str(port)},
                                        work / f"dispatch-{database}-{processes}-{n}-{count}.log", port))
            bases.append(f"http://127.0.0.1:{port}")
        base = bases[0]
        admin = http_login(base, "admin")
        leader_id = http_login(base, "leader").get(f"{base}/api/session", timeout=10).json()["user"]["id"]
        token = admin.post(f"{base}/api/tokens", json={"user_id": leader_id, "name": "bench"}, timeout=10).json()["token"]
        writers = [(url, http_login(url, "duty")) for url in bases]
        duty = writers[0][1]
        start_seq = duty.get(f"{base}/api/events?limit=1", timeout=10).json()["last_seq"]

        def write():
            latencies, began = [], time.monotonic()
            cpu_before = sum(cpu_seconds(server.pid) for server in servers)
            core = RunQueue([server.pid for server in servers])
            sampler = start_profile(servers[0].pid, seconds + 3, profile) if profile else None
            for n in range(int(seconds * RATE)):
                time.sleep(max(0.0, began + due(n, burst) - time.monotonic()))
                url, session = writers[n % len(writers)]
                sent = time.monotonic()
                response = session.post(f"{url}/api/incidents", json=incident_payload(title=f"Bench {n}"), timeout=30)
                assert response.status_code == 201, response.text
                latencies.append(time.monotonic() - sent)
            time.sleep(3)  # the fan-out of the last change
            cpu = sum(cpu_seconds(server.pid) for server in servers) - cpu_before
            if sampler:
                sampler.wait(30)
            return latencies, cpu, core.shares()

        received, (writes, cpu, core) = run_clients(bases, count, {"token": token, "frames": "batch"}, seconds,
                                                    write)
        log = []
        after = start_seq
        for _ in range(100):
            page = duty.get(f"{base}/api/events", params={"after": after, "limit": 1000}, timeout=10).json()["items"]
            if not page:
                break
            log += page
            after = page[-1]["seq"]
    finally:
        for server in servers:
            stop_server(server)
    out_of_order = received.pop(0, [0])[0]
    assert not out_of_order, f"{out_of_order} events reached a client after a later one"
    lags = []
    for event in log:
        deliveries, last, _ = received.get(event["seq"], [0, 0.0, None])
        assert deliveries == count, f"seq {event['seq']}: {deliveries} of {count} clients"
        lags.append(last - datetime.fromisoformat(event["at"]).timestamp())
    name = "dispatch" if database == "sqlite" else f"dispatch PG x{processes}"
    return {**summary(name, count, lags, cpu, len(log) * count, writes, burst), "server_core": core}


def start_profile(pid: int, seconds: float, out: Path):
    """py-spy samples the server from outside (on the clients' core, never pausing it) over the write window."""
    import subprocess

    out.parent.mkdir(parents=True, exist_ok=True)
    sampler = subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(pid), "--duration", str(int(seconds)),
                                "--rate", "200", "--nonblocking", "--format", "raw", "--output", str(out)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.sched_setaffinity(sampler.pid, {CLIENT_CORE})
    return sampler


def profile_summary(path: Path, top: int = 15) -> None:
    """The samples' share by function, inclusive (anywhere on the stack) and self (the frame running)."""
    inclusive, own, total = {}, {}, 0
    for stack, count in re.findall(r"^(.*?) (\d+)$", path.read_text(), re.M | re.S):
        # a frame's name may hold a line break (py-spy prints a source line for some): joined again here
        frames, n = stack.replace("\n", " ").split(";"), int(count)
        total += n
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + n
        own[frames[-1]] = own.get(frames[-1], 0) + n
    print(f"profile of the server over the write window: {total} samples ({path})")
    for title, table in (("self", own), ("inclusive", inclusive)):
        print(f"  top {top} by {title} share:")
        for frame, n in sorted(table.items(), key=lambda item: -item[1])[:top]:
            print(f"    {n / total:6.1%}  {frame}")


def bare_run(count: int, seconds: float, work: Path, burst: bool = False, floor: bool = False) -> dict:
    import requests

    from tests.support import free_port

    port = free_port()
    kind = "--floor-server" if floor else "--bare-server"
    server = start_server([__file__, kind, str(port), "--seconds", str(seconds)] + (["--burst"] if burst else []),
                          {}, work / f"bare-{count}.log", port)
    try:
        def write():
            cpu_before = cpu_seconds(server.pid)
            core = RunQueue([server.pid])
            requests.post(f"http://127.0.0.1:{port}/start", timeout=10)
            deadline = time.monotonic() + seconds * 4 + 30
            while time.monotonic() < deadline and not requests.get(f"http://127.0.0.1:{port}/done",
                                                                    timeout=30).json()["done"]:
                time.sleep(0.5)
            time.sleep(3)  # the fan-out of the last change
            return [], cpu_seconds(server.pid) - cpu_before, core.shares()

        received, (_, cpu, core) = run_clients(f"http://127.0.0.1:{port}", count, {}, seconds, write)
        received.pop(0, None)  # the count out of order: the bare broadcast's order is not what it measures
    finally:
        stop_server(server)
    events = int(seconds * RATE)
    lags, delivered = [], 0
    for seq in range(1, events + 1):
        deliveries, last, at = received.get(seq, [0, 0.0, None])
        delivered += deliveries
        if deliveries:
            lags.append(last - at)
    # the baseline's losses are reported, not hidden (Dispatch's are asserted to be none)
    row = summary("bare websockets" if floor else "bare Flask-SocketIO", count, lags, cpu, max(delivered, 1), [],
                  burst)
    row["deliveries_expected"] = events * count
    row["server_core"] = core
    return row


# -- ten thousand screens, and a reconnect storm --------------------------------

SCREENS_RATE = 2  # changes a second while ten thousand screens watch
STORM_SECONDS = 10  # the writer goes on this long after every screen is dropped (at most the run's seconds)
SCREENS_PER_PROCESS = 2500
WRITE_TIMEOUT = 120  # seconds a write may wait in the storm before it counts as timed out


def screens_process(url: str, count: int, auth: dict, after: int, resume: bool, listen: float, ready, storm,
                    settled, stop, results) -> None:
    """`count` screens left open; at `storm` every one is dropped at once (no goodbye, as when a network falls)
    and opened again, then asks to resume from the last seq it holds in order (when the server can replay).
    Per seq: the screens that got it (each once) and the last receipt. asyncio `websockets`, CONNECTING
    handshakes in flight at once: the clients' core is not what the connect time measures."""
    import asyncio

    os.sched_setaffinity(0, {CLIENT_CORE})
    asyncio.run(screens(url, count, auth, after, resume, listen, ready, storm, settled, stop, results))


CONNECTING = 100  # handshakes in flight at once, per client process


async def screens(url, count, auth, after, resume, listen, ready, storm, settled, stop, results) -> None:
    import asyncio

    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    ws_url = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    held = [set() for _ in range(count)]  # the seqs each screen holds
    in_order = [after] * count  # each screen's last seq with nothing missing before it
    seen: dict[int, list] = {}  # seq -> [screens, last receipt, commit time if sent]
    counts = {"duplicates": 0, "retries": 0, "dropped_by_server": 0, "closing": False, "last_message": time.monotonic()}
    acks: dict[int, float] = {}
    sockets: list = [None] * count
    gate = asyncio.Semaphore(CONNECTING)

    def take(i: int, message: str) -> None:
        now = time.time()
        counts["last_message"] = time.monotonic()
        if message.startswith("42"):
            name, body = json.loads(message[2:])[:2]
            for event in body if name == "events" else [body] if name == "event" else []:
                if event["seq"] in held[i]:
                    counts["duplicates"] += 1
                    continue
                held[i].add(event["seq"])
                entry = seen.setdefault(event["seq"], [0, 0.0, event.get("at")])
                entry[0] += 1
                entry[1] = max(entry[1], now)
            while in_order[i] + 1 in held[i]:
                in_order[i] += 1
        elif message.startswith("43"):  # the resume's answer: everything up to the log's end was replayed before it
            acks[i] = now

    async def screen(i: int, opened) -> None:
        while True:
            await open_screen(i)
            opened()
            opened = lambda: None  # noqa: E731  (counted once)
            try:
                async for message in sockets[i]:
                    if message == "2":  # Engine.IO ping
                        await sockets[i].send("3")
                    else:
                        take(i, message)
            except ConnectionClosed:
                pass
            if counts["closing"]:
                return
            counts["dropped_by_server"] += 1  # the server closed it: back and resume, as the reference client does

    async def open_screen(i: int) -> None:
        async with gate:
            for attempt in itertools.count():  # as a browser does: try again, a little later each time
                try:
                    ws = await connect(ws_url, compression=None, ping_interval=None, max_queue=None, max_size=None,
                                       open_timeout=60, proxy=None)
                    assert (await ws.recv()).startswith("0")  # Engine.IO open
                    await ws.send("40" + json.dumps(auth))
                    while not (answer := await ws.recv()).startswith("40"):
                        take(i, answer)  # a push may come before the connect's answer
                    break
                except (OSError, asyncio.TimeoutError, ConnectionClosed):
                    counts["retries"] += 1
                    await asyncio.sleep(min(5, 0.5 * 2 ** attempt))
            sockets[i] = ws
            if resume:
                await ws.send("420" + json.dumps(["resume", {"after": in_order[i]}]))

    async def open_all() -> list:
        done = asyncio.Event()
        left = [count]

        def opened():
            left[0] -= 1
            if not left[0]:
                done.set()

        readers = [asyncio.create_task(screen(i, opened)) for i in range(count)]
        await asyncio.wait_for(done.wait(), listen)  # a screen that cannot open ends the run
        return readers

    began = time.time()
    readers = await open_all()
    ready.put((count, began, time.time()))
    stormed = None
    deadline = time.monotonic() + listen  # the bound, whatever the main process does
    while time.monotonic() < deadline and not stop.is_set():
        if storm.is_set() and stormed is None:
            dropped, counts["closing"] = time.time(), True
            for ws in sockets:
                ws.transport.abort()
            await asyncio.gather(*readers)
            counts["closing"] = False
            acks.clear()
            readers = await open_all()
            stormed = {"dropped": dropped, "back": time.time()}
            caught_by = time.monotonic() + listen
            while resume and len(acks) < count and time.monotonic() < caught_by:
                await asyncio.sleep(0.05)  # every resume answered: caught up
            stormed["caught_up"] = (max(acks.values()) if len(acks) == count else None) if resume else stormed["back"]
            settled.put(count)
        await asyncio.sleep(0.05)
    quiet_until = min(deadline, time.monotonic() + 10)  # read on until a second passes with nothing (at most 10 s)
    while time.monotonic() < quiet_until and time.monotonic() - counts["last_message"] < 1:
        await asyncio.sleep(0.1)
    counts["closing"] = True
    for ws in sockets:
        ws.transport.abort()
    await asyncio.gather(*readers, return_exceptions=True)
    results.put({"seen": seen, "duplicates": counts["duplicates"], "retries": counts["retries"],
                 "dropped_by_server": counts["dropped_by_server"], "storm": stormed})


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def screens_run(kind: str, count: int, seconds: float, work: Path, profile: Path | None = None) -> dict:
    """`count` screens held open on one server process (Dispatch on SQLite, or the bare Flask-SocketIO
    broadcast), changes at SCREENS_RATE a second for `seconds`, then the reconnect storm while the changes go on.
    Only Dispatch replays what a screen missed; the bare broadcast's losses in the storm are counted."""
    import requests

    from tests.support import free_port, http_login, incident_payload

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    storm_seconds = min(STORM_SECONDS, seconds)
    env = {"DISPATCH_MAX_CONNECTIONS": str(count + 100)}
    if kind == "dispatch":
        env.update({"DISPATCH_INSTANCE_DIR": str(work), "HOST": "127.0.0.1", "PORT": str(port),
                    "DISPATCH_PROFILE": "test", "DISPATCH_HEARTBEAT_SECONDS": "60",
                    "DATABASE_URL": f"sqlite:///{work / f'screens-{count}.db'}"})
        server = start_server(["wsgi.py"], env, work / f"screens-dispatch-{count}.log", port)
    else:
        server = start_server([__file__, "--bare-server", str(port), "--seconds", str(seconds + storm_seconds),
                               "--rate", str(SCREENS_RATE)], env, work / f"screens-bare-{count}.log", port)
    ctx = multiprocessing.get_context("spawn")
    ready, settled, results, storm, stop = ctx.Queue(), ctx.Queue(), ctx.Queue(), ctx.Event(), ctx.Event()
    procs, sampler = [], None
    try:
        auth, after = {}, 0
        if kind == "dispatch":
            admin = http_login(base, "admin")
            leader_id = http_login(base, "leader").get(f"{base}/api/session", timeout=10).json()["user"]["id"]
            token = admin.post(f"{base}/api/tokens", json={"user_id": leader_id, "name": "bench"},
                               timeout=10).json()["token"]
            auth = {"token": token, "frames": "batch"}
            duty = http_login(base, "duty")
            after = duty.get(f"{base}/api/events?limit=1", timeout=10).json()["last_seq"]
        idle_rss = rss_bytes(server.pid)
        if profile:  # the whole run: the connects, the changes, the storm
            sampler = start_profile(server.pid, 3600, profile)
        sizes = [SCREENS_PER_PROCESS] * (count // SCREENS_PER_PROCESS) + (
            [count % SCREENS_PER_PROCESS] if count % SCREENS_PER_PROCESS else [])
        listen = 600 + seconds + storm_seconds  # the bound on the whole run; the main process stops them sooner
        procs = [ctx.Process(target=screens_process,
                             args=(base, size, auth, after, kind == "dispatch", listen, ready, storm, settled, stop,
                                   results))
                 for size in sizes]
        for proc in procs:
            proc.start()
        opened = [ready.get(timeout=listen) for _ in procs]
        assert sum(n for n, _, _ in opened) == count
        connect_seconds = max(done for _, _, done in opened) - min(began for _, began, _ in opened)
        held_rss = rss_bytes(server.pid)
        time.sleep(1)
        writes, began = [], time.monotonic()
        cpu_before = cpu_seconds(server.pid)
        if kind == "bare":
            requests.post(f"{base}/start", timeout=10)
        total = int((seconds + storm_seconds) * SCREENS_RATE)
        steady = int(seconds * SCREENS_RATE)  # the changes before the storm: their latency is the table's
        cpu, timed_out = None, 0
        for n in range(total):
            time.sleep(max(0.0, began + due(n, False, SCREENS_RATE) - time.monotonic()))
            if n == steady:
                time.sleep(2)  # the fan-out of the last steady change
                cpu = cpu_seconds(server.pid) - cpu_before
                storm.set()
                began += 2
            if kind == "dispatch":
                sent = time.monotonic()
                try:
                    response = duty.post(f"{base}/api/incidents", json=incident_payload(title=f"Screens {n}"),
                                         timeout=WRITE_TIMEOUT)
                    assert response.status_code == 201, response.text
                except requests.Timeout:  # reported (as the bound), not fatal: the log says what was written
                    timed_out += 1
                writes.append(time.monotonic() - sent)
        if kind == "bare":
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not requests.get(f"{base}/done", timeout=30).json()["done"]:
                time.sleep(0.5)
        for _ in procs:  # every screen back (and, with Dispatch, caught up)
            settled.get(timeout=listen)
        time.sleep(3)  # the fan-out of the last change
        log = []
        if kind == "dispatch":  # read while the screens are still open: closing ten thousand keeps the loop busy
            page_after = after
            while page := duty.get(f"{base}/api/events", params={"after": page_after, "limit": 1000},
                                   timeout=30).json()["items"]:
                log += page
                page_after = page[-1]["seq"]
        stop.set()
        gathered = [results.get(timeout=listen) for _ in procs]
    finally:
        stop.set()
        for proc in procs:
            proc.join(30)
        if sampler:
            sampler.send_signal(signal.SIGINT)  # py-spy writes what it has
            sampler.wait(60)
        stop_server(server)
    received: dict[int, list] = {}
    for part in gathered:
        for seq, (n, last, at) in part["seen"].items():
            entry = received.setdefault(seq, [0, 0.0, at])
            entry[0] += n
            entry[1] = max(entry[1], last)
    if kind == "dispatch":
        seqs = [(event["seq"], datetime.fromisoformat(event["at"]).timestamp()) for event in log]
        assert total - timed_out <= len(seqs) <= total, f"{len(seqs)} events in the log, {total} written"
    else:
        seqs = [(seq, received.get(seq, [0, 0.0, None])[2]) for seq in range(1, total + 1)]
    lags, lost, short = [], 0, {}
    for n, (seq, at) in enumerate(seqs):
        deliveries, last, _ = received.get(seq, [0, 0.0, None])
        lost += count - deliveries
        if deliveries < count:
            short[seq] = count - deliveries
        if n < steady and deliveries:
            lags.append(last - at)
    if kind == "dispatch" and short:  # every screen every event, the storm's included: anything else is reported
        print(f"  dispatch, {count} screens: deliveries missing by seq (of {seqs[0][0]}..{seqs[-1][0]}): {short}",
              flush=True)
    storms = [part["storm"] for part in gathered]
    dropped = min(s["dropped"] for s in storms)
    caught = [s["caught_up"] for s in storms]
    row = summary("dispatch" if kind == "dispatch" else "bare Flask-SocketIO", count, lags, cpu, steady * count,
                  writes[:steady], False)
    row.update({
        "rate": SCREENS_RATE, "connect_all_s": connect_seconds,
        "rss_idle_mb": idle_rss / 2**20, "rss_held_mb": held_rss / 2**20,
        "rss_kb_per_screen": (held_rss - idle_rss) / count / 1024,
        "storm_back_s": max(s["back"] for s in storms) - dropped,
        "storm_caught_up_s": (max(caught) - dropped) if None not in caught else None,
        "deliveries_lost": lost, "duplicates": sum(part["duplicates"] for part in gathered),
        "writes_timed_out": timed_out, "connect_retries": sum(part["retries"] for part in gathered),
        "dropped_by_server": sum(part["dropped_by_server"] for part in gathered), "storm_write_max_s": max(writes[steady:], default=None),
    })
    return row


def print_screens(rows: list[dict], header: bool = True) -> None:
    if header:
        print(f"{'screens':>7} {'server':>20} {'connect s':>9} {'RSS MB':>7} {'KB/screen':>9} {'p50 ms':>8} "
              f"{'p99 ms':>8} {'max ms':>8} {'CPU us/dlv':>10} {'CPU ratio':>9} {'write p50':>9} {'p99':>6} "
              f"{'storm back s':>12} {'caught up s':>11} {'write max s':>11} {'lost':>6}")
    for row in rows:
        lag, caught = row["last_client_ms"], row["storm_caught_up_s"]
        writes, storm_write = row["write_ms"] or {"p50": 0, "p99": 0}, row["storm_write_max_s"] or 0
        print(f"{row['clients']:>7} {row['server']:>20} {row['connect_all_s']:>9.1f} {row['rss_held_mb']:>7.0f} "
              f"{row['rss_kb_per_screen']:>9.1f} {lag['p50']:>8.1f} {lag['p99']:>8.1f} {lag['max']:>8.1f} "
              f"{row['cpu_us_per_delivery']:>10.1f} {row['cpu_ratio_to_bare']:>9.2f} {writes['p50']:>9.1f} "
              f"{writes['p99']:>6.1f} {row['storm_back_s']:>12.1f} {'n/a' if caught is None else f'{caught:.1f}':>11} "
              f"{storm_write:>11.1f} {row['deliveries_lost']:>6}"
              + (f"  ({row['writes_timed_out']} writes timed out)" if row["writes_timed_out"] else "")
              + (f"  ({row['connect_retries']} handshakes tried again)" if row["connect_retries"] else "")
              + (f"  ({row['dropped_by_server']} screens closed by the server came back)" if row["dropped_by_server"]
                 else ""), flush=True)


def summary(name, count, lags, cpu, deliveries, writes, burst) -> dict:
    return {
        "server": name, "clients": count, "changes": "burst" if burst else "steady", "events": len(lags), "deliveries": deliveries,
        "last_client_ms": {"p50": statistics.median(lags) * 1000, "p99": percentile(lags, 99) * 1000,
                           "max": max(lags) * 1000},
        "cpu_us_per_delivery": cpu / deliveries * 1e6,
        "write_ms": ({"p50": statistics.median(writes) * 1000, "p99": percentile(writes, 99) * 1000}
                     if writes else None),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, nargs="*", default=[100, 300])
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "live_scale.json")
    parser.add_argument("--burst-clients", type=int, nargs="*", default=[],
                        help="client counts to run again with each second's changes in one burst")
    parser.add_argument("--postgres-clients", type=int, nargs="*", default=[],
                        help="client counts to run on PostgreSQL with one server process and with two")
    parser.add_argument("--profile", type=Path,
                        help="sample Dispatch's server with py-spy over the largest steady run (or, with no --clients, "
                             "the largest screens run); summary printed")
    parser.add_argument("--screens", type=int, nargs="*", default=[],
                        help=f"screens held open on one process, changes at {SCREENS_RATE} a second, then a reconnect storm")
    parser.add_argument("--screens-seconds", type=float, default=30, help="the screens run's steady seconds")
    parser.add_argument("--bare-server", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--rate", type=float, default=RATE, help=argparse.SUPPRESS)
    parser.add_argument("--floor-server", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--burst", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_server:
        return bare_server(args.bare_server, args.seconds, args.burst, args.rate)
    if args.floor_server:
        return floor_server(args.floor_server, args.seconds, args.burst)
    if max(args.clients + args.burst_clients + args.postgres_clients + [0]) > 1000 or args.seconds > 30:
        raise SystemExit("bounded: at most 1000 clients and 30 seconds")
    if max(args.screens + [0]) > 10_000 or args.screens_seconds > 30:
        raise SystemExit("bounded: at most 10 000 screens and 30 seconds")
    work = Path(tempfile.mkdtemp(prefix="dispatch-bench-"))
    rows = []
    runs = [(count, False) for count in args.clients] + [(count, True) for count in args.burst_clients]
    if runs or args.postgres_clients:
        print(f"{'clients':>7} {'changes':>7} {'server':>20} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
              f"{'CPU us/dlv':>10} {'write p50':>9} {'p99':>6} {'CPU ratio':>9} {'ran':>4} {'waited':>6}")
    for count, burst in runs:
        profile = args.profile if args.clients and (count, burst) == (max(args.clients), False) else None
        ours = dispatch_run(count, args.seconds, work, burst, profile=profile)
        bare = bare_run(count, args.seconds, work, burst)
        floor = bare_run(count, args.seconds, work, burst, floor=True)
        # the ratio is the figure: CPU per delivery beside the bare per-event broadcast's, and the floor's
        for row in (ours, bare, floor):
            row["cpu_ratio_to_bare"] = row["cpu_us_per_delivery"] / bare["cpu_us_per_delivery"]
        for row in (ours, bare, floor):
            lag, writes = row["last_client_ms"], row["write_ms"] or {"p50": 0, "p99": 0}
            lost = row.get("deliveries_expected", row["deliveries"]) - row["deliveries"]
            print(f"{count:>7} {row['changes']:>7} {row['server']:>20} {lag['p50']:>8.1f} {lag['p99']:>8.1f} "
                  f"{lag['max']:>8.1f} {row['cpu_us_per_delivery']:>10.1f} {writes['p50']:>9.1f} "
                  f"{writes['p99']:>6.1f} {row['cpu_ratio_to_bare']:>9.2f} {row['server_core']['ran']:>4.0%} "
                  f"{row['server_core']['waited']:>6.0%}"
                  + (f"  ({lost} deliveries missing)" if lost else ""), flush=True)
        rows += [ours, bare, floor]
        if profile:
            profile_summary(profile)
    for count in args.postgres_clients:
        one, two = (dispatch_run(count, args.seconds, work, database="postgresql", processes=n) for n in (1, 2))
        two["cpu_ratio_to_one_process"] = two["cpu_us_per_delivery"] / one["cpu_us_per_delivery"]
        for row in (one, two):
            lag, writes = row["last_client_ms"], row["write_ms"]
            print(f"{count:>7} {row['changes']:>7} {row['server']:>20} {lag['p50']:>8.1f} {lag['p99']:>8.1f} "
                  f"{lag['max']:>8.1f} {row['cpu_us_per_delivery']:>10.1f} {writes['p50']:>9.1f} "
                  f"{writes['p99']:>6.1f} {row.get('cpu_ratio_to_one_process', 1.0):>9.2f} (to one process)", flush=True)
        rows += [one, two]
    if args.postgres_clients:
        from tests.support import drop_created_databases

        drop_created_databases()
    screens = []
    for count in args.screens:
        profile = args.profile if not runs and count == max(args.screens) else None
        ours, bare = screens_run("dispatch", count, args.screens_seconds, work, profile), \
            screens_run("bare", count, args.screens_seconds, work)
        for row in (ours, bare):
            row["cpu_ratio_to_bare"] = row["cpu_us_per_delivery"] / bare["cpu_us_per_delivery"]
        if not screens:
            print(f"\nscreens held open, {SCREENS_RATE} changes a second for {args.screens_seconds:g} s, then every "
                  "screen dropped at once and back (the storm) while the changes go on:")
        print_screens([ours, bare], header=not screens)
        screens += [ours, bare]
    if screens:
        rows += screens
        if args.profile and not runs:
            profile_summary(args.profile)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"machine_cores": os.cpu_count(), "rate": RATE, "seconds": args.seconds,
                                     "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
