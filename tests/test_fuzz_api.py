"""Whatever a client sends to any published operation: never a 5xx, every refusal is API.md's
error JSON, and a refused request appends no event.

The operations and their inputs come from the server's own OpenAPI document
(`/api/openapi.json`, generated from the marshmallow schemas), so a new endpoint
is fuzzed as soon as it is published. The generation is seeded: every run sends
the same requests, and a failure reproduces.
"""
from __future__ import annotations

import json
import zlib

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core import NotSet
from schemathesis.specs.openapi.checks import negative_data_rejection
from sqlalchemy import select, update

from dispatch.auth.models import User
from dispatch import events
from dispatch.db import db, utcnow
from dispatch.demo import demo_incidents
from dispatch.extensions import limiter
from dispatch.incidents import service as incidents
from dispatch.instructions import demo as instructions_demo
from dispatch.representatives import demo as representatives_demo
from dispatch.response_plans import demo as response_plans_demo
from dispatch.tasks import demo as tasks_demo

from .support import ApiClient

# duty most often: command reaches the deepest into the services
ROLES = ("duty", "duty", "psb", "leader", "admin")
# Operations whose success ends or replaces sign-ins; the fuzzing clients sign in again after them.
SIGN_IN_CHANGING = {"DELETE /api/session", "POST /api/session", "POST /api/session/password",
                    "PATCH /api/users/{user_id}", "POST /api/users/{user_id}/password-reset",
                    "DELETE /api/users/{user_id}/sessions"}
# Operations left out until a known server error in them is fixed: {label: the bug}.
KNOWN_BUGS: dict[str, str] = {}

EXAMPLES_PER_OPERATION = 30
SEED = 20261124


def arrange_records() -> None:
    """The demo's incidents, representatives, tasks, instructions and response plans, so ids 1..n exist."""
    duty = db.session.scalar(select(User).where(User.username == "duty"))
    registered = [incidents.register_incident(actor=duty, data={**data, "occurred_at": utcnow()})
                  for data in demo_incidents()]
    incidents.transition_incident(actor=duty, incident_id=registered[0].id, action="respond")
    for area in (representatives_demo, tasks_demo, instructions_demo, response_plans_demo):
        area.seed(duty, registered)
    db.session.remove()


class Fuzzing:
    """The signed-in clients of one run."""

    def __init__(self, app):
        self.app = app
        self.clients: dict[str, ApiClient] = {}
        self.sign_in_again()
        self.seq = self.last_seq()  # where the log stood after the last request (nothing else writes meanwhile)

    def sign_in_again(self) -> None:
        """Every user active with the demo password, no sign-in limit left, every client with a fresh session."""
        with self.app.app_context():
            db.session.execute(update(User).values(active=True, must_change_password=False,
                                                   password_hash=self.app.config["TEST_PASSWORD_HASH"]))
            db.session.commit()
            db.session.remove()
        limiter.reset()
        self.clients = {name: ApiClient(self.app.test_client(), name) for name in set(ROLES)}

    def last_seq(self) -> int:
        """The log's last seq, read from the database (a request each time would double the run)."""
        with self.app.app_context():
            seq = events.last_seq()
            db.session.remove()
        return seq


@pytest.fixture
def fuzzing(app):
    with app.app_context():
        arrange_records()
    return Fuzzing(app)


# The operations in shards, each a test of its own, so the workers share them.
SHARDS = 8
_shard_of_this_test = {"n": 0, "labels": []}


def in_this_shard(label: str) -> bool:
    """Every SHARDS-th operation in the order of their labels: neighbours (one area's) go to different shards."""
    labels = _shard_of_this_test["labels"]
    return labels.index(label) % SHARDS == _shard_of_this_test["n"]


@pytest.fixture(params=range(SHARDS), ids=lambda n: f"shard{n}")
def api_schema(app, request):
    # schemathesis 4.32 names each operation's report through `node._nodeid`, which pytest 9.2 dropped
    request.node._nodeid = request.node.nodeid
    loaded = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    # read by the filter below, once the schema is loaded
    _shard_of_this_test.update(n=request.param, labels=sorted(
        f"{method.upper()} {path}" for path, item in loaded.raw_schema["paths"].items() for method in item
        if method in {"get", "put", "post", "delete", "patch", "head", "options", "trace"}))
    loaded.config.seed = SEED  # the same requests on every run; a failure reproduces
    return loaded


schema = schemathesis.pytest.from_fixture("api_schema").exclude(
    func=lambda ctx: ctx.operation.label in KNOWN_BUGS).include(func=lambda ctx: in_this_shard(ctx.operation.label))


def turn_of(case) -> tuple[str, int | None]:
    """Who sends this case, and which existing id its path names (None: the generated one).

    Drawn from the case itself rather than by Hypothesis, so the coverage phase
    (boundary values, wrong types, missing fields) still runs, and a replay sends it alike.
    """
    body = None if isinstance(case.body, NotSet) else case.body  # NotSet's repr carries an address
    sent = json.dumps([case.method, case.path_parameters, case.query, body], sort_keys=True, default=repr)
    digest = zlib.crc32(sent.encode())
    known = digest // len(ROLES) % 12
    return ROLES[digest % len(ROLES)], (known if 1 <= known <= 6 else None)


def with_known_ids(case, known_id: int | None) -> None:
    """Point every path parameter at a record that exists (ids 1..n), half of the time."""
    if known_id is not None and case.path_parameters:
        case.path_parameters = {name: known_id for name in case.path_parameters}


def assert_error_body(response) -> None:
    body = response.json()
    assert isinstance(body, dict) and isinstance(body.get("error"), dict), body
    error = body["error"]
    assert isinstance(error.get("code"), str) and isinstance(error.get("message"), str), error
    assert isinstance(error.get("fields"), dict), error
    for name, messages in error["fields"].items():
        assert isinstance(messages, list) and all(isinstance(m, str) for m in messages), (name, messages)


# bad input is refused before the database is asked (the schemas), so SQLite alone; what a database's own
# limits make of an id is the next test's, on both
@pytest.mark.one_backend
@pytest.mark.long
@schema.parametrize()
# derandomize=False: the seed decides, so CI (whose Hypothesis profile derandomizes) sends what a laptop sends
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, derandomize=False,
          suppress_health_check=list(HealthCheck))
def test_no_request_makes_the_server_fail_and_a_refused_one_changes_nothing(case, fuzzing):
    role, known_id = turn_of(case)
    with_known_ids(case, known_id)
    client = fuzzing.clients[role]
    before = fuzzing.seq
    headers = {"X-CSRF-Token": client.csrf} if case.method.upper() not in {"GET", "HEAD"} else None
    response = case.call(session=client.client, headers=headers)
    fuzzing.seq = fuzzing.last_seq()
    # and what the published document forbids (a wrong type, an unknown field) is refused
    case.validate_response(response, checks=[not_a_server_error, negative_data_rejection])
    if case.operation.label in SIGN_IN_CHANGING and response.status_code < 400:
        fuzzing.sign_in_again()
        fuzzing.seq = fuzzing.last_seq()
        return
    if response.status_code >= 400:
        assert_error_body(response)
    if response.status_code >= 400 or case.method.upper() == "GET":
        assert fuzzing.seq == before, f"{case.operation.label} {response.status_code} appended an event"


PAST_EVERY_ID = 2**63  # beyond SQLite's and PostgreSQL's integers alike


@pytest.mark.parametrize("method,path", [
    ("GET", "/api/incidents/{id}"), ("GET", "/api/incidents/{id}/timeline"), ("GET", "/api/persons/{id}"),
    ("GET", "/api/tasks/{id}"), ("GET", "/api/instructions/{id}"), ("POST", "/api/incidents/{id}/tasks"),
    ("DELETE", "/api/representatives/{id}"), ("PATCH", "/api/users/{id}"),
])
def test_an_id_past_the_databases_range_is_not_found_and_changes_nothing(duty, method, path):
    before = duty.get("/api/events?limit=1").get_json()["last_seq"]
    response = duty.client.open(path.format(id=PAST_EVERY_ID), method=method, json={},
                                headers={"X-CSRF-Token": duty.csrf})
    assert response.status_code == 404, response.get_data(as_text=True)[:300]
    assert response.get_json()["error"]["code"] == "not_found"
    assert duty.get("/api/events?limit=1").get_json()["last_seq"] == before
