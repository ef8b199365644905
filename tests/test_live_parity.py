"""Event–state parity, in the manner of Zulip's test_events.

For every kind of change: a screen loads the board through the API, then
applies only the events pushed to it; it must end with exactly what a fresh
load returns. A change that pushes nothing, or too little to redraw the
screen, fails here.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from realtime import socketio

from .support import incident_payload

VIEWERS = ("duty", "psb", "leader")  # every receiver gets the same events: each must end right
SETTLED = ("done", "cancelled")
# Clock readings, not state: a screen counts them up itself from `issued_at`.
CLOCK_READINGS = {"waiting_seconds"}
# What a screen holds for an incident it has just heard of: every list of the detail, still empty.
NEW_INCIDENT_PARTS = {part: [] for part in ("representatives", "tasks", "instructions", "attachments", "meetings",
                                            "commitments")}
ID_NUMBER = "11010519491231002X"  # a checksum-valid resident identity number


# -- the screen: load, and apply an event ------------------------------------------

def load_board(api) -> dict[int, dict]:
    listed = api.get("/api/incidents?limit=100").get_json()["items"]
    return {item["id"]: api.get(f"/api/incidents/{item['id']}").get_json() for item in listed}


def _upsert(rows: list[dict], row: dict) -> list[dict]:
    kept = [existing for existing in rows if existing["id"] != row["id"]]
    return sorted(kept + [row], key=lambda item: item["id"])


def apply_event(board: dict[int, dict], event: dict) -> None:
    """What the board does with an event: redraw from the event's data alone."""
    data = event["data"]
    for snapshot in [data.get("incident")] + data.get("relinked", []):
        if snapshot:
            parts = board.get(snapshot["id"], dict(NEW_INCIDENT_PARTS))
            board[snapshot["id"]] = {**parts, **snapshot}
    incident = board.get(event["incident_id"])
    if incident is None:
        return
    if "task" in data:
        incident["tasks"] = _upsert(incident["tasks"], data["task"])
    if "instruction" in data:
        incident["instructions"] = _upsert(incident["instructions"], data["instruction"])
    if event["type"] == "representative.removed":
        gone = data["representative"]["id"]
        incident["representatives"] = [r for r in incident["representatives"] if r["id"] != gone]
    elif "representative" in data:
        incident["representatives"] = _upsert(incident["representatives"], data["representative"])
    count_what_is_open(incident)


def count_what_is_open(incident: dict) -> None:
    """The board row's counts, derived on the screen from the tasks and instructions it holds."""
    incident["open_tasks"] = sum(task["status"] not in SETTLED for task in incident["tasks"])
    incident["overdue_tasks"] = sum(bool(task["overdue"]) for task in incident["tasks"])
    incident["escalated_tasks"] = sum(task["status"] not in SETTLED and bool(task["escalated"])
                                      for task in incident["tasks"])
    incident["unacknowledged_instructions"] = sum(
        bool(instruction["unacknowledged_unit_ids"]) for instruction in incident["instructions"])


def differences(seen, fresh, path="board") -> list[str]:
    """Where the screen and a fresh load disagree, named by path (readable when it fails)."""
    if isinstance(seen, dict) and isinstance(fresh, dict):
        return [found for key in sorted((set(seen) | set(fresh)) - CLOCK_READINGS, key=str)
                for found in differences(seen.get(key, "<missing>"), fresh.get(key, "<missing>"), f"{path}.{key}")]
    if isinstance(seen, list) and isinstance(fresh, list) and len(seen) == len(fresh):
        return [found for n, pair in enumerate(zip(seen, fresh)) for found in differences(*pair, f"{path}[{n}]")]
    return [] if seen == fresh else [f"{path}: screen {seen!r}, fresh load {fresh!r}"]


# -- the changes, through the API ---------------------------------------------

def ok(response, status=(200, 201, 204)):
    assert response.status_code in status, response.get_data(as_text=True)
    return response.get_json(silent=True)


def register(api, ids):
    ids["incident"] = ok(api["duty"].post("/api/incidents", json=incident_payload()))["id"]
    ids.setdefault("incidents", []).append(ids["incident"])


def edit(api, ids):
    version = api["duty"].get(f"/api/incidents/{ids['incident']}").get_json()["version"]
    ok(api["duty"].patch(f"/api/incidents/{ids['incident']}",
                         json={"version": version, "headcount": 450, "level": "I", "title": "Road blocked"}))


def incident_action(action):
    def step(api, ids):
        ok(api["duty"].post(f"/api/incidents/{ids['incident']}/transitions", json={"action": action}))
    return step


def add_representative(api, ids):
    added = ok(api["duty"].post(f"/api/incidents/{ids['incident']}/representatives",
                                json={"name": "Wang Jun", "id_number": ID_NUMBER, "phone": "13812345678"}))
    ids["representative"] = added["id"]


def remove_representative(api, ids):
    ok(api["duty"].delete(f"/api/representatives/{ids['representative']}"))


def dispatch_task(api, ids):
    due = (datetime.now(timezone.utc) + timedelta(hours=4)).isoformat()
    task = ok(api["duty"].post(f"/api/incidents/{ids['incident']}/tasks", json={
        "unit_id": api["psb"].user["unit_id"], "title": "Keep the road open", "instructions": "Two patrols",
        "priority": "high", "due_at": due}))
    ids["task"] = task["id"]


def task_action(action, by="psb", **extra):
    def step(api, ids):
        if action == "reroute":
            extra["unit_id"] = api["lvb"].user["unit_id"]
        if action == "request_extension":
            extra["due_at"] = (datetime.now(timezone.utc) + timedelta(hours=9)).isoformat()
        ok(api[by].post(f"/api/tasks/{ids['task']}/transitions", json={"action": action, **extra}))
    return step


def supervise(api, ids):
    ok(api["duty"].post(f"/api/tasks/{ids['task']}/supervision-notices", json={"note": "Report by noon"}))


def issue_instruction(api, ids):
    ids["instruction"] = ok(api["leader"].post(f"/api/incidents/{ids['incident']}/instructions",
                                               json={"text": "Talk to the workers; no force."}))["id"]


def acknowledge(api, ids):
    ok(api["psb"].post(f"/api/instructions/{ids['instruction']}/acknowledgements", json={}))


claim, start = task_action("claim"), task_action("start")
submit = task_action("submit", note="Road open again")
request_extension = task_action("request_extension")

# expected event type: (what is arranged before the screen loads, the change under test)
CHANGES = {
    "incident.registered": ([], register),
    "incident.updated": ([register], edit),
    "incident.responded": ([register], incident_action("respond")),
    "incident.contained": ([register], incident_action("contain")),
    "incident.resolved": ([register], incident_action("resolve")),
    "incident.closed": ([register, incident_action("resolve")], incident_action("close")),
    "incident.reopened": ([register, incident_action("resolve")], incident_action("reopen")),
    "representative.added": ([register], add_representative),
    "representative.removed": ([register, add_representative], remove_representative),
    "representative.added (repeat petition)": ([register, add_representative, register], add_representative),
    "task.dispatched": ([register], dispatch_task),
    "task.claimed": ([register, dispatch_task], claim),
    "task.started": ([register, dispatch_task, claim], start),
    "task.progressed": ([register, dispatch_task, claim], task_action("progress", note="Two lanes open")),
    "task.submitted": ([register, dispatch_task, claim, start], submit),
    "task.verified": ([register, dispatch_task, claim, start, submit], task_action("verify", by="duty")),
    "task.rejected": ([register, dispatch_task, claim, start, submit],
                      task_action("reject", by="duty", note="Not yet")),
    "task.returned": ([register, dispatch_task], task_action("return", reason="Not ours")),
    "task.rerouted": ([register, dispatch_task, task_action("return", reason="Not ours")],
                      task_action("reroute", by="duty")),
    "task.extension_requested": ([register, dispatch_task, claim], request_extension),
    "task.extension_approved": ([register, dispatch_task, claim, request_extension],
                                task_action("approve_extension", by="duty")),
    "task.extension_rejected": ([register, dispatch_task, claim, request_extension],
                                task_action("reject_extension", by="duty")),
    "task.cancelled": ([register, dispatch_task], task_action("cancel", by="duty")),
    "supervision.issued": ([register, dispatch_task], supervise),
    "supervision.escalated": ([register, dispatch_task, supervise, supervise], supervise),
    "instruction.issued": ([register, dispatch_task], issue_instruction),
    "instruction.acknowledged": ([register, dispatch_task, issue_instruction], acknowledge),
}


@pytest.mark.parametrize("expected", list(CHANGES))
def test_a_screen_that_applies_the_pushed_events_matches_a_fresh_load(app, client_for, expected):
    api = {name: client_for(name) for name in {"duty", "lvb", *VIEWERS}}
    arrange, change = CHANGES[expected]
    ids: dict = {}
    for step in arrange:
        step(api, ids)
    screens = {name: load_board(api[name]) for name in VIEWERS}
    sockets = {name: socketio.test_client(app, flask_test_client=api[name].client) for name in VIEWERS}

    change(api, ids)

    for name in VIEWERS:
        events = [m["args"][0] for m in sockets[name].get_received() if m["name"] == "event"]
        assert expected.split(" ")[0] in [event["type"] for event in events], "the change pushed nothing"
        for event in events:
            apply_event(screens[name], event)
        assert differences(screens[name], load_board(api[name])) == [], f"{name}'s screen differs from a fresh load"
