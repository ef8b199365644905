"""From registering an incident to every unit's screen holding its task: one response plan beside N tasks by hand.

    .venv/bin/python bench/response_plan.py [--rounds 15] [--json bench/results/response_plan.json]

Dispatch (`python wsgi.py`, eventlet, a fresh SQLite file with the demo, so the
demo's plans) is pinned to one core. One raw Engine.IO websocket client per unit
the demo's wage arrears level-I plan names (lead or co-handling: six units),
each authenticated with its own liaison's API token and asking for batch
frames, runs in a process pinned to the other core. Per round, command:

- with a plan: registers the incident (POST /api/incidents) and applies the plan
  (POST .../response-plans/<id>/apply): two requests;
- by hand: registers the incident and dispatches the same six tasks one by one
  (POST /api/incidents/<id>/tasks, the plan's own texts and time limits): seven
  requests, sent back to back as fast as a script can (a duty officer filling six
  forms takes minutes; this measures only what the system adds).

The figure: the time from sending the registration until the LAST unit's client
received the `task.dispatched` event naming its unit (lead or co-handling) for
that incident, median and p90 over the rounds, both ways and their ratio. Rounds
alternate the two ways; every wait is bounded; traffic stays on 127.0.0.1.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import select
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from live_scale import CLIENT_CORE, start_server, stop_server  # noqa: E402

PLAN = ("wage_arrears", "I")
INCIDENT = {"kind": "mass_incident", "title": "Workers at the gate", "category": "wage_arrears",
            "location": "County government gate", "headcount": 300, "demands": "Unpaid wages", "level": "I"}


def unit_clients(url: str, tokens: dict[int, str], ready, stop, arrivals) -> None:
    """One websocket per unit; each `task.dispatched` naming the client's unit goes out as (incident, unit, time)."""
    import websocket

    os.sched_setaffinity(0, {CLIENT_CORE})
    ws_url = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    by_fd = {}
    for unit_id, token in tokens.items():
        ws = websocket.create_connection(ws_url, timeout=30, skip_utf8_validation=True)  # as a browser, natively
        assert ws.recv().startswith("0")
        ws.send("40" + json.dumps({"token": token, "frames": "batch"}))
        answer = ws.recv()
        assert answer.startswith("40"), answer
        by_fd[ws.sock.fileno()] = (unit_id, ws)
    ready.put(len(by_fd))
    deadline = time.monotonic() + 900  # the bound, whatever the main process does
    while not stop.is_set() and time.monotonic() < deadline:
        readable, _, _ = select.select(list(by_fd), [], [], 0.2)
        for fd in readable:
            unit_id, ws = by_fd[fd]
            message = ws.recv()
            now = time.time()
            if message == "2":
                ws.send("3")
            elif message.startswith("42"):
                name, body = json.loads(message[2:])[:2]
                for event in body if name == "events" else [body] if name == "event" else []:
                    task = (event.get("data") or {}).get("task") or {}
                    if event["type"] == "task.dispatched" and unit_id in (task.get("unit_id"), *task.get("co_unit_ids", [])):
                        arrivals.put((event["incident_id"], unit_id, now))
    for _, ws in by_fd.values():
        ws.close()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def run(rounds: int, work: Path) -> dict:
    from tests.support import free_port, http_login

    port = free_port()
    env = {"DATABASE_URL": f"sqlite:///{work / 'plans.db'}", "DISPATCH_INSTANCE_DIR": str(work), "HOST": "127.0.0.1",
           "PORT": str(port), "DISPATCH_PROFILE": "test", "DISPATCH_HEARTBEAT_SECONDS": "600",
           "DISPATCH_DEMO_LANGUAGE": "en"}
    server = start_server(["wsgi.py"], env, work / "dispatch.log", port)
    base = f"http://127.0.0.1:{port}"
    ctx = multiprocessing.get_context("spawn")
    ready, stop, arrivals = ctx.Queue(), ctx.Event(), ctx.Queue()
    clients = None
    try:
        admin, duty = http_login(base, "admin"), http_login(base, "duty")
        plans = duty.get(f"{base}/api/response-plans", params={"category": PLAN[0], "level": PLAN[1]}, timeout=10).json()
        [plan] = plans["items"]
        units = sorted({u for task in plan["tasks"] for u in (task["unit_id"], *task["co_unit_ids"])})
        liaisons = {user["unit_id"]: user["id"] for user in admin.get(f"{base}/api/users?limit=100", timeout=10).json()["items"]
                    if user["role"] == "liaison"}
        tokens = {unit_id: admin.post(f"{base}/api/tokens", json={"user_id": liaisons[unit_id], "name": "bench"},
                                      timeout=10).json()["token"] for unit_id in units}
        clients = ctx.Process(target=unit_clients, args=(base, tokens, ready, stop, arrivals))
        clients.start()
        assert ready.get(timeout=60) == len(units)

        def register() -> int:
            body = {**INCIDENT, "occurred_at": datetime.now(timezone.utc).isoformat()}
            answer = duty.post(f"{base}/api/incidents", json=body, timeout=30)
            assert answer.status_code == 201, answer.text
            return answer.json()["id"]

        def with_plan() -> int:
            incident_id = register()
            answer = duty.post(f"{base}/api/incidents/{incident_id}/response-plans/{plan['id']}/apply", json={}, timeout=30)
            assert answer.status_code == 201, answer.text
            return incident_id

        def by_hand() -> int:
            incident_id = register()
            for task in plan["tasks"]:
                due = datetime.now(timezone.utc) + timedelta(minutes=task["due_in_minutes"])
                answer = duty.post(f"{base}/api/incidents/{incident_id}/tasks", timeout=30, json={
                    "unit_id": task["unit_id"], "co_unit_ids": task["co_unit_ids"], "title": task["title"],
                    "instructions": task["instructions"], "priority": task["priority"], "due_at": due.isoformat()})
                assert answer.status_code == 201, answer.text
            return incident_id

        def once(way) -> tuple[float, float]:
            """(seconds from registering to the last unit notified, seconds the requests took)."""
            started = time.time()
            incident_id = way()
            sent = time.time() - started
            notified: dict[int, float] = {}
            deadline = time.monotonic() + 30
            while len(notified) < len(units) and time.monotonic() < deadline:
                incident, unit_id, at = arrivals.get(timeout=max(0.1, deadline - time.monotonic()))
                if incident == incident_id:
                    notified.setdefault(unit_id, at)
            assert len(notified) == len(units), f"only {len(notified)} of {len(units)} units notified"
            return max(notified.values()) - started, sent

        for way in (with_plan, by_hand):  # one of each first: warm caches and connections
            once(way)
        results = {"plan": [], "by_hand": []}
        for _ in range(rounds):
            for name, way in (("plan", with_plan), ("by_hand", by_hand)):
                results[name].append(once(way))
                time.sleep(0.2)  # let the server's follower go quiet between rounds
    finally:
        stop.set()
        if clients is not None:
            clients.join(15)
            if clients.is_alive():
                clients.kill()
        stop_server(server)

    def summary(name: str, requests_sent: int) -> dict:
        total = [round(1000 * t, 1) for t, _ in results[name]]
        http = [round(1000 * s, 1) for _, s in results[name]]
        return {"requests": requests_sent, "notified_p50_ms": round(statistics.median(total), 1),
                "notified_p90_ms": percentile(total, 90), "requests_p50_ms": round(statistics.median(http), 1)}

    plan_figures, hand_figures = summary("plan", 2), summary("by_hand", 1 + len(plan["tasks"]))
    return {"machine_cores": os.cpu_count(), "rounds": rounds, "plan": f"{PLAN[0]} level {PLAN[1]}",
            "tasks": len(plan["tasks"]), "units": len(units), "with_plan": plan_figures, "by_hand": hand_figures,
            "ratio_p50": round(hand_figures["notified_p50_ms"] / plan_figures["notified_p50_ms"], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "response_plan.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        result = run(args.rounds, Path(folder))
    print(f"{result['plan']}: {result['tasks']} tasks to {result['units']} units, {result['rounds']} rounds each way")
    print(f"{'':10} {'requests':>8} {'all notified p50':>17} {'p90':>9} {'requests p50':>13}")
    for name, key in (("with plan", "with_plan"), ("by hand", "by_hand")):
        r = result[key]
        print(f"{name:10} {r['requests']:>8} {r['notified_p50_ms']:>14.1f} ms {r['notified_p90_ms']:>6.1f} ms "
              f"{r['requests_p50_ms']:>10.1f} ms")
    print(f"by hand / with plan (p50): {result['ratio_p50']}x")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
