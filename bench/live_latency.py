"""From a write's commit to the last of N connected clients receiving it, beside a bare broadcast.

    .venv/bin/python bench/live_latency.py [--clients 100 500] [--rounds 20]

Dispatch: a real server (`python wsgi.py`, eventlet, a fresh SQLite file); N
reference clients (realtime/client.py, websocket transport) follow the
stream; a signed-in user registers an incident through the API, R times. The
commit's moment is the event's `at`, stamped in the transaction just before
COMMIT (server and clients share this machine's clock).

Baseline, in the same run: a bare Flask-SocketIO server (eventlet, no
database, no auth) that broadcasts the same event payload to N python-socketio
clients (the reference client's transport) when asked; its moment is taken
just before its emit.

The figure is the ratio of the medians (Dispatch / bare) of the time until
the LAST client has the event. All traffic stays on 127.0.0.1; every wait is
bounded. Both client sets run in this one process, so client-side handling
of N receipts is part of both figures alike.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WAIT = 20.0  # seconds: the most any round may take before the run gives up


def bare_server(port: int) -> None:
    """The baseline: one Flask-SocketIO broadcast, nothing else."""
    import eventlet

    eventlet.monkey_patch()
    from flask import Flask, request
    from flask_socketio import SocketIO

    app = Flask(__name__)
    socketio = SocketIO(app, async_mode="eventlet")

    @app.post("/emit")
    def emit():
        stamped = time.time()
        socketio.emit("event", request.get_json())
        return {"stamped": stamped}

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    socketio.run(app, host="127.0.0.1", port=port, log_output=False)


# -- processes -----------------------------------------------------------------

def start(args: list[str], env: dict, log: Path, port: int) -> subprocess.Popen:
    import requests

    with open(log, "w") as out:
        process = subprocess.Popen([sys.executable, *args], cwd=ROOT, env={**os.environ, **env},
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok:
                return process
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"{args[0]} did not start; see {log}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


# -- clients -------------------------------------------------------------------

class Receipts:
    """When each client received each seq (or each bare round)."""

    def __init__(self):
        self.times: dict[int, list[float]] = {}
        self.lock = threading.Lock()

    def record(self, key: int) -> None:
        now = time.time()
        with self.lock:
            self.times.setdefault(key, []).append(now)

    def wait_for(self, key: int, count: int) -> list[float]:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.times.get(key, ())) >= count:
                    return self.times[key]
            time.sleep(0.002)
        raise SystemExit(f"only {len(self.times.get(key, ()))} of {count} clients received {key} in {WAIT}s")


def connect_all(make, count: int) -> list:
    clients = []
    for n in range(count):
        clients.append(make(n))
    return clients


def dispatch_rounds(base: str, count: int, rounds: int) -> tuple[list[float], dict]:
    from realtime.client import LiveClient
    from tests.support import http_login, incident_payload

    sessions = [http_login(base, name) for name in ("leader", "psb", "lvb", "hrss", "hurd")]
    cookies = ["; ".join(f"{k}={v}" for k, v in http.cookies.items()) for http in sessions]
    receipts = Receipts()
    start_seq = sessions[0].get(f"{base}/api/events?limit=1", timeout=10).json()["last_seq"]
    clients = connect_all(lambda n: LiveClient(base, cookie=cookies[n % len(cookies)], after=start_seq,
                                               on_event=lambda event: receipts.record(event["seq"])).connect(),
                          count)
    duty = http_login(base, "duty")
    latencies, payload = [], None
    try:
        for n in range(rounds):
            created = duty.post(f"{base}/api/incidents", json=incident_payload(title=f"Round {n}"), timeout=10)
            created.raise_for_status()
            event = registered(duty, base, start_seq, created.json()["id"])
            payload = payload or event
            committed = datetime.fromisoformat(event["at"]).timestamp()
            latencies.append(max(receipts.wait_for(event["seq"], count)) - committed)
            time.sleep(0.05)
    finally:
        for client in clients:
            client.close()
    return latencies, payload


def registered(http, base: str, after: int, incident_id: int) -> dict:
    """The incident's registration event (the deadline scan may have appended others meanwhile)."""
    items = http.get(f"{base}/api/events", params={"after": after, "limit": 1000}, timeout=10).json()["items"]
    return next(event for event in items
                if event["type"] == "incident.registered" and event["incident_id"] == incident_id)


def bare_rounds(base: str, count: int, rounds: int, payload: dict) -> list[float]:
    import requests

    from realtime.client import _InOrderSocketIO

    receipts = Receipts()

    def make(_n):
        # the reference client's transport (one reader thread), minus its seq rules: a like-for-like receiver
        client = _InOrderSocketIO()
        client.on("event", lambda event: receipts.record(event["round"]))
        client.connect(base, transports=["websocket"], wait_timeout=10)
        return client

    clients = connect_all(make, count)
    latencies = []
    try:
        for n in range(rounds):
            stamped = requests.post(f"{base}/emit", json={**payload, "round": n}, timeout=10).json()["stamped"]
            latencies.append(max(receipts.wait_for(n, count)) - stamped)
            time.sleep(0.05)
    finally:
        for client in clients:
            client.disconnect()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[100, 500])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--bare-server", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_server:
        return bare_server(args.bare_server)
    if max(args.clients) > 1000 or args.rounds > 100:
        raise SystemExit("bounded: at most 1000 clients and 100 rounds")

    from tests.support import free_port

    work = Path(tempfile.mkdtemp(prefix="dispatch-bench-"))
    dispatch_port, bare_port = free_port(), free_port()
    dispatch = start(["wsgi.py"], {
        "DATABASE_URL": f"sqlite:///{work / 'bench.db'}", "DISPATCH_INSTANCE_DIR": str(work),
        "HOST": "127.0.0.1", "PORT": str(dispatch_port), "DISPATCH_PROFILE": "test",
        "DISPATCH_HEARTBEAT_SECONDS": "60",  # no heartbeat inside a round
    }, work / "dispatch.log", dispatch_port)
    bare = start([__file__, "--bare-server", str(bare_port)], {}, work / "bare.log", bare_port)
    try:
        print(f"{'clients':>8} {'dispatch median':>16} {'max':>8} {'bare median':>12} {'max':>8} {'ratio':>6}")
        for count in args.clients:
            ours, payload = dispatch_rounds(f"http://127.0.0.1:{dispatch_port}", count, args.rounds)
            theirs = bare_rounds(f"http://127.0.0.1:{bare_port}", count, args.rounds, payload)
            ratio = statistics.median(ours) / statistics.median(theirs)
            print(f"{count:>8} {statistics.median(ours) * 1000:>13.1f} ms {max(ours) * 1000:>5.1f} ms "
                  f"{statistics.median(theirs) * 1000:>9.1f} ms {max(theirs) * 1000:>5.1f} ms {ratio:>6.2f}",
                  flush=True)
    finally:
        stop(dispatch)
        stop(bare)


if __name__ == "__main__":
    main()
