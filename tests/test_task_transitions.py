"""The task state machine, walked from its table: every (state, action, role)."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest

from dispatch import workflow
from dispatch.auth import service as auth_service
from dispatch.tasks.models import STATUSES
from dispatch.tasks.schemas import ACTIONS
from dispatch.tasks.service import CO_UNIT_ACTIONS, TASK_TRANSITIONS

from .support import PASSWORD, ApiClient
from .test_task_support import PATHS, act, dispatch, events_of, iso, last_seq, new_incident, task_state, unit_ids, walk

ROLES = ("lead", "co", "other", "command", "leader")
USERS = {"lead": "psb", "co": "twn-e", "other": "lvb", "command": "duty", "leader": "leader"}
# What each action needs to be accepted at all (the schema's required fields).
EXTRA = {
    "progress": {"note": "Forty officers on site."},
    "submit": {"note": "Road open again."},
    "reject": {"note": "Attach the signed roster."},
    "return": {"reason": "This is the township's job."},
    "request_extension": {"due_at": None},  # a month from the test's own now
    "reroute": {"unit_id": None},  # filled with HRSS's id
}
NEEDS_PENDING_EXTENSION = {"approve_extension", "reject_extension"}


def expected_status(state: str, action: str, role: str) -> int:
    """The specification: another unit is 403, a co-handling unit only reports progress, an action
    of the other role is 403 in any state, then the table decides between 200 and 409."""
    if role in ("leader", "other") or (role == "co" and action not in CO_UNIT_ACTIONS):
        return 403
    if ("command" if role == "command" else "liaison") not in workflow.roles_for(TASK_TRANSITIONS, action):
        return 403
    return 200 if (state, action) in TASK_TRANSITIONS else 409


@pytest.fixture
def board(client_for, duty):
    """Clients per role, unit ids and a fresh dispatched task maker (PSB leads, East Township co-handles)."""
    actors = {role: client_for(username) for role, username in USERS.items()}
    units = unit_ids(duty)
    incident = new_incident(duty)

    def fresh(state: str) -> dict:
        task = dispatch(duty, incident["id"], units["PSB"], co_unit_ids=[units["TWN-E"]])
        walk(task["id"], state, actors)
        return task

    return type("Board", (), {"actors": actors, "units": units, "fresh": staticmethod(fresh)})


def _extra(action: str, units: dict) -> dict:
    extra = dict(EXTRA.get(action, {}))
    if action == "reroute":
        extra["unit_id"] = units["HRSS"]
    if action == "request_extension":
        extra["due_at"] = iso(timedelta(days=30))
    return extra


def test_the_table_covers_every_action_and_status():
    assert workflow.actions(TASK_TRANSITIONS) == set(ACTIONS)
    assert workflow.states(TASK_TRANSITIONS) == set(STATUSES)
    assert set(PATHS) == set(STATUSES)


@pytest.mark.parametrize("state", STATUSES)
def test_every_action_by_every_role_from_each_state(board, state):
    duty = board.actors["command"]
    refused_on = board.fresh(state)
    before, seq_before = task_state(duty, refused_on["id"]), last_seq(duty)
    for action in ACTIONS:
        for role in ROLES:
            want = expected_status(state, action, role)
            if want == 200:
                continue
            response = act(board.actors[role], refused_on["id"], action, **_extra(action, board.units))
            assert response.status_code == want, (state, action, role, response.get_json())
            if want == 409:
                assert response.get_json()["error"]["current_status"] == state
    assert task_state(duty, refused_on["id"]) == before, "a refused transition changed the task"
    assert last_seq(duty) == seq_before, "a refused transition appended an event"

    for action in ACTIONS:
        for role in ROLES:
            if expected_status(state, action, role) != 200:
                continue
            task = board.fresh(state)
            if action in NEEDS_PENDING_EXTENSION:
                assert act(board.actors["lead"], task["id"], "request_extension",
                           due_at=iso(timedelta(days=9))).status_code == 200
            response = act(board.actors[role], task["id"], action, **_extra(action, board.units))
            step = TASK_TRANSITIONS[(state, action)]
            assert response.status_code == 200, (state, action, role, response.get_json())
            assert response.get_json()["status"] == step.to
            event = events_of(duty, step.event, task_id=task["id"])[-1]
            assert event["data"]["task"]["status"] == step.to
            assert event["data"]["task"]["version"] == response.get_json()["version"]


def test_a_co_handling_unit_reports_progress_but_cannot_claim_or_submit(board):
    task = board.fresh("in_progress")
    co = board.actors["co"]
    assert act(co, task["id"], "progress", note="Township staff on site.").status_code == 200
    assert act(co, task["id"], "submit", note="Finished.").status_code == 403
    assert act(co, board.fresh("dispatched")["id"], "claim").status_code == 403


def test_another_units_liaison_cannot_claim_the_task(board):
    task = board.fresh("dispatched")
    response = act(board.actors["other"], task["id"], "claim")
    assert response.status_code == 403
    assert task_state(board.actors["command"], task["id"])["status"] == "dispatched"


# (action, what is sent besides it, the field the refusal names)
INCOMPLETE = [
    ("progress", {}, "note"),
    ("progress", {"note": "   "}, "note"),
    ("submit", {}, "note"),
    ("return", {}, "reason"),
    ("return", {"reason": ""}, "reason"),
    ("return", {"note": "A note is not a reason."}, "reason"),
    ("reject", {}, "note"),
    ("request_extension", {}, "due_at"),
    ("reroute", {}, "unit_id"),
    ("request_extension", {"due_at": "next week"}, "due_at"),
    ("fly", {}, "action"),
    ("claim", {"colour": "red"}, "colour"),
]


def test_a_transition_missing_what_it_needs_is_refused_naming_the_field(board):
    task = board.fresh("dispatched")
    for action, extra, field in INCOMPLETE:
        response = act(board.actors["lead"], task["id"], action, **extra)
        assert response.status_code == 422, (action, extra)
        assert field in response.get_json()["error"]["fields"], (action, response.get_json())
    assert task_state(board.actors["command"], task["id"])["version"] == task["version"]


def test_a_return_records_the_reason_and_any_note(board):
    task = board.fresh("claimed")
    response = act(board.actors["lead"], task["id"], "return", reason="Mis-routed: land is Natural Resources.",
                   note="Called NR's office already.")
    assert response.status_code == 200 and response.get_json()["status"] == "returned"
    event = events_of(board.actors["command"], "task.returned", task_id=task["id"])[0]
    assert event["data"]["reason"] == "Mis-routed: land is Natural Resources."
    assert event["data"]["note"] == "Called NR's office already."


def test_a_returned_task_is_rerouted_to_another_unit_which_then_claims_it(board, client_for):
    task = board.fresh("returned")
    duty = board.actors["command"]
    assert act(duty, task["id"], "reroute", unit_id=board.units["PSB"]).status_code == 422
    assert act(duty, task["id"], "reroute", unit_id=999_999).status_code == 422
    new_deadline = iso(timedelta(hours=6))
    rerouted = act(duty, task["id"], "reroute", unit_id=board.units["TWN-E"], due_at=new_deadline).get_json()
    assert rerouted["status"] == "dispatched" and rerouted["unit_id"] == board.units["TWN-E"]
    assert datetime.fromisoformat(rerouted["due_at"]) == datetime.fromisoformat(new_deadline)
    assert rerouted["co_unit_ids"] == []  # the new lead no longer co-handles its own task
    assert act(board.actors["lead"], task["id"], "claim").status_code == 403
    assert act(board.actors["co"], task["id"], "claim").status_code == 200


def test_an_extension_is_a_flag_that_does_not_stop_the_work(board):
    task = board.fresh("claimed")
    lead, duty = board.actors["lead"], board.actors["command"]
    wanted = iso(timedelta(days=3))
    asked = act(lead, task["id"], "request_extension", due_at=wanted).get_json()
    assert asked["status"] == "claimed" and asked["extension_pending"] is True
    assert act(lead, task["id"], "start").status_code == 200
    approved = act(duty, task["id"], "approve_extension").get_json()
    assert approved["due_at"] == asked["requested_due_at"] and approved["extension_pending"] is False
    assert approved["status"] == "in_progress"


def test_an_extension_must_ask_for_a_later_time_and_be_pending_to_be_decided(board):
    task = board.fresh("claimed")
    lead, duty = board.actors["lead"], board.actors["command"]
    assert act(lead, task["id"], "request_extension", due_at=iso(timedelta(minutes=-5))).status_code == 422
    for decision in NEEDS_PENDING_EXTENSION:
        response = act(duty, task["id"], decision)
        assert response.status_code == 409 and response.get_json()["error"]["current_status"] == "claimed"
    assert act(lead, task["id"], "request_extension", due_at=iso(timedelta(days=2))).status_code == 200
    rejected = act(duty, task["id"], "reject_extension").get_json()
    assert rejected["due_at"] == task["due_at"] and rejected["extension_pending"] is False


def test_a_rejected_submission_goes_back_to_in_progress_with_the_note(board):
    task = board.fresh("submitted")
    response = act(board.actors["command"], task["id"], "reject", note="Attach the signed roster.")
    assert response.get_json()["status"] == "in_progress"
    event = events_of(board.actors["command"], "task.rejected", task_id=task["id"])[0]
    assert event["data"]["note"] == "Attach the signed roster."


def test_a_stale_version_is_refused_with_the_current_one(board):
    task = board.fresh("dispatched")
    lead = board.actors["lead"]
    assert act(lead, task["id"], "claim", version=task["version"]).status_code == 200
    response = act(lead, task["id"], "start", version=task["version"])
    assert response.status_code == 409
    assert response.get_json()["error"]["current_version"] == task["version"] + 1
    assert act(lead, task["id"], "start", version=task["version"] + 1).status_code == 200


def test_acting_on_a_missing_task_is_404(board):
    assert act(board.actors["lead"], 999_999, "claim").status_code == 404


def test_two_liaisons_of_one_unit_claiming_at_once_exactly_one_wins(app, board):
    with app.app_context():
        auth_service.create_user(actor=None, username="psb-2", password=PASSWORD, role="liaison", unit_code="PSB")
    rounds = 6
    tasks = [board.fresh("dispatched") for _ in range(rounds)]
    liaisons = [ApiClient(app.test_client(), "psb"), ApiClient(app.test_client(), "psb-2")]
    for task in tasks:
        barrier = threading.Barrier(2)
        codes = []

        def claim(client, task_id=task["id"]):
            barrier.wait()
            codes.append(act(client, task_id, "claim").status_code)

        threads = [threading.Thread(target=claim, args=(client,)) for client in liaisons]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert sorted(codes) == [200, 409], codes
        assert len(events_of(board.actors["command"], "task.claimed", task_id=task["id"])) == 1
