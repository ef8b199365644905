"""Event–state parity, in the manner of Zulip's test_events, on the page's own code.

For every kind of change: a screen opens the incident page (the board, for an
incident not yet registered) in Chromium, a real `python wsgi.py` pushes it the
events, and the page's own Store (static/js/live.js, with core.js) applies them.
It must end with exactly what a fresh load through the API returns: the same
incidents, tasks and instructions, and the same flags drawn (overdue, due soon,
a commitment late) as the API's. A change that pushes nothing, too little to
redraw the screen, or a page that decides a rule its own way, fails here.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest

from .browser import WAIT, expect_live, sessions, shoot, unique
from .support import http_login, incident_payload, wait_until

pytestmark = pytest.mark.browser

VIEWERS = ("duty", "psb")  # every receiver gets the same events: each screen must end right
ACTORS = ("duty", "psb", "lvb", "leader")
# Clock readings, not state: a screen counts them up itself from `issued_at`.
CLOCK_READINGS = {"waiting_seconds"}
# An incident's detail lists: the page keeps them in the Store's maps, not on the incident.
DETAIL_PARTS = {"representatives", "tasks", "instructions", "attachments", "meetings", "commitments"}
WEIGHTS, CHECK = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], "10X98765432"

# What the page holds, read through its own objects; and what it drew, read from the page.
PAGE_STATE = """(ids) => ({
  incidents: ids.map((id) => Store.incidents.get(id) || (State.incident && State.incident.id === id ? State.incident : null)),
  tasks: ids.flatMap((id) => Store.tasksOf(id)).sort((a, b) => a.id - b.id),
  instructions: ids.flatMap((id) => Store.instructionsOf(id)).sort((a, b) => a.id - b.id),
  queued: ids.flatMap((id) => Store.tasksOf(id)).filter((task) => Rules.inQueue(task, State.user.unit_id))
    .map((task) => task.id).sort((a, b) => a - b),
  drawn: Object.fromEntries([...document.querySelectorAll('li.task[id^="task-"]')].map((li) => [li.dataset.taskId, {
    overdue: li.classList.contains('is-overdue'),
    deadline_overdue: !!li.querySelector('.deadline.overdue'), deadline_soon: !!li.querySelector('.deadline.soon'),
    actions: [...li.querySelectorAll('.task-actions button[data-action]')].map((b) => b.dataset.action)
      .filter((action) => action !== 'supervise')}])),
  commitments: Object.fromEntries([...document.querySelectorAll('[data-commitment-id] .deadline')].map((d) => [
    d.closest('[data-commitment-id]').dataset.commitmentId, d.classList.contains('overdue')])),
})"""


def identity_number() -> str:
    body = f"110101{random.randint(1950, 1999)}0101{random.randint(100, 999)}"
    return body + CHECK[sum(int(d) * w for d, w in zip(body, WEIGHTS)) % 11]


# -- the changes, through the API of the running server -------------------------

class Api:
    """The actors, signed in over HTTP to the running server."""

    def __init__(self, base: str):
        self.base = base
        self.http = {name: http_login(base, name) for name in ACTORS}
        self.user = {name: self.get(name, "/api/session")["user"] for name in ACTORS}

    def get(self, name, path):
        answer = self.http[name].get(self.base + path, timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def send(self, name, method, path, body=None):
        answer = self.http[name].request(method, self.base + path, json=body, timeout=10)
        assert answer.status_code in (200, 201, 204), answer.text
        return answer.json() if answer.content else None

    def now(self) -> datetime:
        """The server's clock (its Date header), which the page's clock also reads."""
        return parsedate_to_datetime(self.http["duty"].get(self.base + "/healthz", timeout=10).headers["Date"])


def register(api, ids):
    ids["incident"] = api.send("duty", "POST", "/api/incidents", incident_payload(title=unique("Parity")))["id"]
    ids.setdefault("incidents", []).append(ids["incident"])


def edit(api, ids):
    version = api.get("duty", f"/api/incidents/{ids['incident']}")["version"]
    api.send("duty", "PATCH", f"/api/incidents/{ids['incident']}",
             {"version": version, "headcount": 450, "level": "I", "title": unique("Road blocked")})


def incident_action(action):
    def step(api, ids):
        api.send("duty", "POST", f"/api/incidents/{ids['incident']}/transitions", {"action": action})
    return step


def add_representative(api, ids):
    if "id_number" not in ids:
        ids["id_number"] = identity_number()
    ids["representative"] = api.send("duty", "POST", f"/api/incidents/{ids['incident']}/representatives", {
        "name": "Wang Jun", "id_number": ids["id_number"], "phone": "13812345678"})["id"]


def remove_representative(api, ids):
    api.send("duty", "DELETE", f"/api/representatives/{ids['representative']}")


def dispatch_task(api, ids):
    due = (api.now() + timedelta(hours=4)).isoformat()
    ids["task"] = api.send("duty", "POST", f"/api/incidents/{ids['incident']}/tasks", {
        "unit_id": api.user["psb"]["unit_id"], "title": "Keep the road open", "instructions": "Two patrols",
        "priority": "high", "due_at": due})["id"]


def task_action(action, by="psb", **extra):
    def step(api, ids):
        if action == "reroute":
            extra["unit_id"] = api.user["lvb"]["unit_id"]
        if action == "request_extension":
            extra["due_at"] = (api.now() + timedelta(hours=9)).isoformat()
        api.send(by, "POST", f"/api/tasks/{ids['task']}/transitions", {"action": action, **extra})
    return step


def supervise(api, ids):
    api.send("duty", "POST", f"/api/tasks/{ids['task']}/supervision-notices", {"note": "Report by noon"})


def issue_instruction(api, ids):
    ids["instruction"] = api.send("leader", "POST", f"/api/incidents/{ids['incident']}/instructions",
                                  {"text": "Talk to the workers; no force."})["id"]


def acknowledge(api, ids):
    api.send("psb", "POST", f"/api/instructions/{ids['instruction']}/acknowledgements", {})


def hold_meeting(api, ids):
    ids["meeting"] = api.send("duty", "POST", f"/api/incidents/{ids['incident']}/meetings", {
        "held_at": api.now().isoformat(), "place": "Township hall", "representative_ids": [ids["representative"]],
        "unit_ids": [api.user["psb"]["unit_id"]], "raised": "Wages unpaid since March"})["id"]


def commit_past_its_time(api, ids):
    """A commitment whose time limit has just passed (recorded afterwards): its task is the one acted on."""
    made = api.send("duty", "POST", f"/api/meetings/{ids['meeting']}/commitments", {
        "text": "Pay the March wages", "unit_id": api.user["psb"]["unit_id"],
        "due_at": (api.now() - timedelta(minutes=5)).isoformat(), "past_due_ok": True})
    ids["task"] = made["task_id"]


claim, start = task_action("claim"), task_action("start")
submit = task_action("submit", note="Road open again")
request_extension = task_action("request_extension")
meeting = [register, add_representative, hold_meeting]

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
    "meeting.held": ([register, add_representative], hold_meeting),
    "commitment.made": (meeting, commit_past_its_time),
    # handed in past its time limit: no longer overdue, on the page as in the API
    "task.submitted (a commitment past its time)": (meeting + [commit_past_its_time, claim, start], submit),
}


# -- what the page holds against what the API answers ---------------------------

def fresh_load(api, name, incident_ids) -> dict:
    details = [api.get(name, f"/api/incidents/{id_}") for id_ in incident_ids]
    user = api.user[name]
    queue = [task["id"] for id_ in incident_ids for task in api.get(
        name, f"/api/tasks?unit_id={user['unit_id']}&status=open&incident_id={id_}&limit=100")["items"]]
    return {"user": user, "queued": sorted(queue),"incidents": details,
            "tasks": sorted((task for d in details for task in d["tasks"]), key=lambda x: x["id"]),
            "instructions": sorted((x for d in details for x in d["instructions"]), key=lambda x: x["id"]),
            "commitments": [c for d in details for c in d.get("commitments", [])]}


def differences(seen, fresh, path) -> list[str]:
    """Where the page and a fresh load disagree, on what the page holds (readable when it fails)."""
    if isinstance(seen, dict) and isinstance(fresh, dict):
        return [found for key in sorted(set(seen) - CLOCK_READINGS, key=str)
                for found in differences(seen[key], fresh.get(key, "<missing>"), f"{path}.{key}")]
    if isinstance(seen, list) and isinstance(fresh, list) and len(seen) == len(fresh):
        return [found for n, pair in enumerate(zip(seen, fresh)) for found in differences(*pair, f"{path}[{n}]")]
    return [] if seen == fresh else [f"{path}: page {seen!r}, fresh load {fresh!r}"]


def parity(page_state: dict, fresh: dict) -> list[str]:
    found = []
    for part in ("incidents", "tasks", "instructions"):
        held, loaded = page_state[part], fresh[part]
        if part == "incidents":  # the incident as the page holds it: the detail's lists live in the Store's maps
            loaded = [{k: v for k, v in item.items() if k not in DETAIL_PARTS} for item in loaded]
        found += differences(held, loaded, part)
    for task in fresh["tasks"]:
        drawn = page_state["drawn"].get(str(task["id"]))
        if drawn is None:
            continue  # not drawn on this screen (the board draws rows, not tasks)
        user = fresh["user"]  # what this viewer's role and unit may do, of what the server lists
        may = [a["action"] for a in task["actions"]
               if a["role"] == user["role"] and (a["unit_ids"] is None or user["unit_id"] in a["unit_ids"])]
        want = {"overdue": task["overdue"], "deadline_overdue": task["overdue"], "deadline_soon": task["due_soon"],
                "actions": may}
        found += [f"task {task['id']} ({task['status']}) drawn {k}={v}, the API says {want[k]}"
                  for k, v in drawn.items() if v != want[k]]
    if page_state["queued"] != fresh["queued"]:
        found.append(f"{fresh['user']['role']}'s unit queue: page {page_state['queued']}, API {fresh['queued']}")
    for commitment in fresh["commitments"]:
        drawn = page_state["commitments"].get(str(commitment["id"]))
        if drawn is None:
            found.append(f"commitment {commitment['id']} not drawn")
        elif drawn != commitment["overdue"]:
            found.append(f"commitment {commitment['id']} (task {commitment['task_status']}) drawn overdue={drawn}, "
                         f"the API says {commitment['overdue']}")
    return found


@pytest.fixture(scope="module")
def api(server):
    return Api(server.url)


@pytest.fixture(scope="module")
def viewers(browser, server):
    """Each viewer's screen, signed in once for the module: every change opens its page there afresh."""
    with sessions(browser, server) as make:
        yield {name: make(name) for name in VIEWERS}


@pytest.mark.parametrize("expected", list(CHANGES))
def test_the_pages_store_after_the_pushed_events_matches_a_fresh_load(server, viewers, api, expected):
    arrange, change = CHANGES[expected]
    ids: dict = {}
    for step in arrange:
        step(api, ids)
    path = f"/incidents/{ids['incident']}" if ids.get("incident") else "/"
    for screen in viewers.values():
        screen.errors.clear()  # this change's page, judged on its own
        screen.page.goto(server.url + path)
        expect_live(screen.page)
    seen_from = {name: viewers[name].page.evaluate("() => Live.lastSeq") for name in VIEWERS}
    for name in VIEWERS:
        viewers[name].page.evaluate("() => { window.applied = []; Live.on((event) => window.applied.push(event.type)); }")

    change(api, ids)

    for name, screen in viewers.items():
        page = screen.page
        pushed = wait_until(lambda: expected.split(" ")[0] in page.evaluate("() => window.applied"), WAIT / 1000)
        assert pushed, f"the change pushed nothing to {name}'s page (from seq {seen_from[name]})"
        incident_ids = [ids["incident"]]  # the incident this screen shows

        found: list[str] = []

        def agrees() -> bool:
            found[:] = parity(page.evaluate(PAGE_STATE, incident_ids), fresh_load(api, name, incident_ids))
            return not found
        expect_live(page)
        wait_until(agrees, WAIT / 1000)
        assert found == [], f"{name}'s page differs from a fresh load: {found}"
        if "commitment" in expected:  # look at it: the handed-in commitment past its time is not red
            shoot(page, f"parity-{expected.split(' ')[0]}-{name}")
        assert screen.errors == [], f"script errors on {name}'s page: {screen.errors}"
