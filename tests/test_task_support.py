"""Arranging tasks through the API, shared by the task, deadline and instruction tests (holds no tests)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from .support import incident_payload

# How a task reaches each state from `dispatched`: (who, action, extra), who being "lead" or "command".
PATHS = {
    "dispatched": [],
    "claimed": [("lead", "claim", {})],
    "in_progress": [("lead", "claim", {}), ("lead", "start", {})],
    "submitted": [("lead", "claim", {}), ("lead", "start", {}), ("lead", "submit", {"note": "Done."})],
    "done": [("lead", "claim", {}), ("lead", "start", {}), ("lead", "submit", {"note": "Done."}),
             ("command", "verify", {})],
    "returned": [("lead", "return", {"reason": "Not ours: the township handles this."})],
    "cancelled": [("command", "cancel", {})],
}


def iso(delta: timedelta) -> str:
    return (datetime.now(timezone.utc) + delta).isoformat()


def unit_ids(client) -> dict[str, int]:
    return {unit["code"]: unit["id"] for unit in client.get("/api/units").get_json()["items"]}


def new_incident(duty, **overrides) -> dict:
    response = duty.post("/api/incidents", json=incident_payload(**overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def dispatch(duty, incident_id: int, unit_id: int, **overrides) -> dict:
    payload = {"unit_id": unit_id, "title": "Keep the road open", "instructions": "Divert traffic.",
               "priority": "high", **overrides}
    response = duty.post(f"/api/incidents/{incident_id}/tasks", json=payload)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def act(client, task_id: int, action: str, **extra):
    return client.post(f"/api/tasks/{task_id}/transitions", json={"action": action, **extra})


def walk(task_id: int, state: str, actors: dict) -> None:
    """Move a dispatched task along its path to `state`; every step must succeed."""
    for who, action, extra in PATHS[state]:
        response = act(actors[who], task_id, action, **extra)
        assert response.status_code == 200, (action, response.get_json())


def last_seq(client) -> int:
    return client.get("/api/events?limit=1").get_json()["last_seq"]


def events_of(client, type_: str, **match) -> list[dict]:
    items = client.get("/api/events?limit=1000").get_json()["items"]
    return [e for e in items if e["type"] == type_ and all(e[k] == v for k, v in match.items())]


def task_state(client, task_id: int) -> dict:
    """What a user sees of the task, without the fields that follow the clock."""
    body = client.get(f"/api/tasks/{task_id}").get_json()
    return {k: v for k, v in body.items() if k not in ("overdue", "due_soon")}
