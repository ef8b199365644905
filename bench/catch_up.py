"""Catch-up: a client N events behind asks `resume` and is current; beside the bare read of the same rows.

    .venv/bin/python bench/catch_up.py [--events 1000 10000] [--json bench/results/catch_up.json]

Dispatch (`python wsgi.py`, eventlet, a fresh SQLite file) is pinned to one
core. N events are appended through the one write path, shaped like the demo's
own (incidents, representatives masked, tasks with deadlines, instructions),
then one raw Engine.IO websocket client (authenticated by token, batch frames)
on the other core sends `resume {after}` and reads frames until it has the last
one: the time from the ask to the last event, frames counted, every seq checked.

Baseline in the same run: the least any server could do for the same rows,
reading them from the same SQLite file (`SELECT *`) and encoding them as JSON,
in one process with no socket. Every loop is bounded; traffic stays on 127.0.0.1.
"""
from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from live_scale import CLIENT_CORE, cpu_seconds, start_server, stop_server  # noqa: E402

# Appends `count` events copied from the demo's own, in one transaction, through the write path.
_APPEND = """
import sys
from dispatch import create_app
from dispatch.events import events_after, unit_of_work
app = create_app("test")
with app.app_context():
    samples = [(event.type, event.data, event.incident_id) for event in events_after(0, limit=1000)]
    with unit_of_work() as uow:
        for n in range(int(sys.argv[1])):
            kind, data, _ = samples[n % len(samples)]
            uow.append_event(kind, data=data)
"""


def append(env: dict, count: int) -> None:
    subprocess.run([sys.executable, "-c", _APPEND, str(count)], cwd=ROOT, env={**os.environ, **env},
                   check=True, timeout=300)


def resume_time(base: str, token: str, after: int, last: int) -> tuple[float, int]:
    """One raw client: seconds from `resume` to holding every event up to `last`, and the frames it took."""
    import websocket

    os.sched_setaffinity(0, {CLIENT_CORE})
    ws = websocket.create_connection(base.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket",
                                     timeout=30, skip_utf8_validation=True)  # as a browser, natively
    try:
        assert ws.recv().startswith("0")
        ws.send("40" + json.dumps({"token": token, "frames": "batch"}))
        assert ws.recv().startswith("40")
        expected, frames = after + 1, 0
        began, client_cpu = time.perf_counter(), time.process_time()
        ws.send('421["resume",{"after":%d}]' % after)
        deadline = time.monotonic() + 120
        while expected <= last and time.monotonic() < deadline:
            message = ws.recv()
            if message == "2":
                ws.send("3")
            elif message.startswith("42"):
                name, body = json.loads(message[2:])[:2]
                if name == "events":
                    frames += 1
                    for event in body:
                        if event["seq"] < expected:
                            continue  # a live push that was on its way: a client drops what it has
                        assert event["seq"] == expected, (event["seq"], expected)
                        expected += 1
        elapsed = time.perf_counter() - began
        print(f"client CPU {time.process_time() - client_cpu:.3f}s of {elapsed:.3f}s")
        assert expected == last + 1, f"had {expected - 1 - after} of {last - after}"
        return elapsed, frames
    finally:
        ws.close()


def bare_read(database: Path, after: int, last: int) -> float:
    began = time.perf_counter()
    connection = sqlite3.connect(database)
    connection.row_factory = sqlite3.Row
    rows = connection.execute("SELECT * FROM events WHERE seq > ? AND seq <= ? ORDER BY seq", (after, last))
    encoded = json.dumps([{**dict(row), "data": json.loads(row["data"])} for row in rows])
    connection.close()
    assert encoded
    return time.perf_counter() - began


def run(count: int, work: Path) -> dict:
    from tests.support import free_port, http_login

    port = free_port()
    database = work / f"catch-up-{count}.db"
    env = {"DATABASE_URL": f"sqlite:///{database}", "DISPATCH_INSTANCE_DIR": str(work), "HOST": "127.0.0.1",
           "PORT": str(port), "DISPATCH_PROFILE": "test", "DISPATCH_HEARTBEAT_SECONDS": "600"}
    server = start_server(["wsgi.py"], env, work / f"dispatch-{count}.log", port)
    base = f"http://127.0.0.1:{port}"
    try:
        admin = http_login(base, "admin")
        leader_id = http_login(base, "leader").get(f"{base}/api/session", timeout=10).json()["user"]["id"]
        token = admin.post(f"{base}/api/tokens", json={"user_id": leader_id, "name": "bench"}, timeout=10).json()["token"]
        after = admin.get(f"{base}/api/events?limit=1", timeout=10).json()["last_seq"]
        append(env, count)
        last = after + count
        time.sleep(3)  # the server's follower pushes the appended events to no one first (the poll finds them)
        runs = []
        for _ in range(3):
            cpu = cpu_seconds(server.pid)
            seconds, frames = resume_time(base, token, after, last)
            runs.append((seconds, frames, cpu_seconds(server.pid) - cpu))
        seconds, frames, server_cpu = min(runs)
    finally:
        stop_server(server)
    bare = min(bare_read(database, after, last) for _ in range(3))
    return {"events": count, "dispatch_s": round(seconds, 3), "frames": frames, "server_cpu_s": round(server_cpu, 3),
            "bare_read_s": round(bare, 3),
            "ratio": round(seconds / bare, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "catch_up.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        results = [run(count, Path(folder)) for count in args.events]
    print(f"{'events':>7} {'Dispatch resume':>16} {'server CPU':>11} {'frames':>7} {'bare read+encode':>17} {'ratio':>6}")
    for r in results:
        print(f"{r['events']:>7} {r['dispatch_s']:>15.3f}s {r['server_cpu_s']:>10.3f}s {r['frames']:>7} "
              f"{r['bare_read_s']:>16.3f}s {r['ratio']:>6}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
