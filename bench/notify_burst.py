"""A burst of 1 000 tasks dispatched to 10 units: the time until every on-duty SMS is accepted by the gateway,
beside the time the same burst takes with notifications off.

    .venv/bin/python bench/notify_burst.py [--tasks 1000] [--clients 8] [--json bench/results/notify_burst.json]

Dispatch (`python wsgi.py`, eventlet, a fresh SQLite file with the demo: every unit's liaison has a work mobile)
is pinned to one core; the SMS gateway (tests/sms_gateway.py, a real HTTP process that records what it accepts)
and the clients that dispatch run on the other. Per way, command registers one level IV incident, then `clients`
threads dispatch the tasks back to back, round robin over ten units.

- off: no DISPATCH_SMS_URL. The figure is the time from the first request until the last dispatch answered.
- on: DISPATCH_SMS_URL set. The figure is the time from the first request until the gateway has accepted one
  on-duty SMS for every task (the outbox written in each dispatch's transaction, the sender delivering them in
  the background, off the request path); the burst's own request time is shown too.

The ratio on/off is the figure: what reaching people who are not looking at a screen costs a burst.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from live_scale import CLIENT_CORE, start_server, stop_server  # noqa: E402

UNITS = ("PSB", "LVB", "HRSS", "HURD", "NR", "EE", "JUS", "HLTH", "EM", "TWN-E")
PASSWORD = "dispatch-demo"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def signed_in(url: str, username: str) -> requests.Session:
    http = requests.Session()
    answer = http.post(f"{url}/api/session", json={"username": username, "password": PASSWORD}, timeout=30)
    answer.raise_for_status()
    http.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    return http


def burst(url: str, tasks: int, clients: int) -> tuple[float, int]:
    """Dispatch `tasks` tasks with `clients` threads; (when the burst started, the incident's id); returns after the
    last answer."""
    http = signed_in(url, "duty")
    units = {u["code"]: u["id"] for u in http.get(f"{url}/api/units", timeout=30).json()["items"]}
    incident = http.post(f"{url}/api/incidents", timeout=30, json={
        "kind": "mass_incident", "title": "Burst", "category": "wage_arrears", "location": "County square",
        "occurred_at": datetime.now(timezone.utc).isoformat(), "headcount": 500, "demands": "-", "level": "IV"}).json()
    due = (datetime.now(timezone.utc) + timedelta(hours=8)).isoformat()
    sessions = [signed_in(url, "duty") for _ in range(clients)]
    failures = []

    def send(worker: int) -> None:
        for n in range(worker, tasks, clients):
            answer = sessions[worker].post(f"{url}/api/incidents/{incident['id']}/tasks", timeout=60, json={
                "unit_id": units[UNITS[n % len(UNITS)]], "title": f"Task {n}", "instructions": "",
                "priority": "high", "due_at": due})
            if answer.status_code != 201:
                failures.append(answer.status_code)

    threads = [threading.Thread(target=send, args=(w,)) for w in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"{len(failures)} dispatches refused: {failures[:5]}")
    return started, incident["id"]


def accepted(record: Path) -> int:
    if not record.exists():
        return 0
    return sum(1 for line in record.read_text().splitlines() if '"status": 200' in line and "/sms" in line)


def one_way(notifications: bool, tasks: int, clients: int, folder: Path) -> dict:
    port, gateway_port = free_port(), free_port()
    record = folder / f"gateway-{gateway_port}.jsonl"
    env = {"DATABASE_URL": f"sqlite:///{folder / f'bench-{port}.db'}", "PORT": str(port), "HOST": "127.0.0.1",
           "DISPATCH_INSTANCE_DIR": str(folder), "DISPATCH_SMS_URL": ""}
    gateway = None
    if notifications:
        env["DISPATCH_SMS_URL"] = f"http://127.0.0.1:{gateway_port}/sms"
        gateway = subprocess.Popen([sys.executable, str(ROOT / "tests" / "sms_gateway.py"), str(gateway_port),
                                    str(record)], stdout=subprocess.PIPE, text=True, start_new_session=True)
        os.sched_setaffinity(gateway.pid, {CLIENT_CORE})
        assert gateway.stdout.readline().strip() == "ready"
    server = start_server(["wsgi.py"], env, folder / f"server-{port}.log", port)
    url = f"http://127.0.0.1:{port}"
    try:
        before = accepted(record)  # the demo's own tasks notified at start
        time.sleep(2)
        before = accepted(record)
        started, _incident = burst(url, tasks, clients)
        answered = time.perf_counter() - started
        result = {"requests_seconds": round(answered, 2)}
        if notifications:
            deadline = time.monotonic() + 600
            while accepted(record) - before < tasks and time.monotonic() < deadline:
                time.sleep(0.05)
            result["sms_accepted"] = accepted(record) - before
            result["all_sms_seconds"] = round(time.perf_counter() - started, 2)
        return result
    finally:
        stop_server(server)
        if gateway is not None:
            gateway.kill()
            gateway.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--json")
    args = parser.parse_args()
    os.sched_setaffinity(0, {CLIENT_CORE})
    with tempfile.TemporaryDirectory(prefix="dispatch-notify-bench-") as tmp:
        off = one_way(False, args.tasks, args.clients, Path(tmp))
        on = one_way(True, args.tasks, args.clients, Path(tmp))
    figure = {"tasks": args.tasks, "units": len(UNITS), "off": off, "on": on,
              "ratio": round(on["all_sms_seconds"] / off["requests_seconds"], 2)}
    print(f"{args.tasks} tasks to {len(UNITS)} units in a burst:")
    print(f"  notifications off: every dispatch answered in {off['requests_seconds']} s")
    print(f"  notifications on:  every dispatch answered in {on['requests_seconds']} s; every on-duty SMS "
          f"({on['sms_accepted']}) accepted by the gateway {on['all_sms_seconds']} s after the first request")
    print(f"  ratio (all SMS accepted / burst without notifications): {figure['ratio']}")
    if args.json:
        Path(args.json).write_text(json.dumps(figure, indent=2) + "\n")


if __name__ == "__main__":
    main()
