"""Personal data is masked for every role on every surface; only a reveal answers a full number.

First `dispatch.personal_data` itself (validation, masks, encryption, keyed hash),
then the matrix: role x surface (API reads, timeline, event feed, live push,
pages, the application log, the database at rest).
"""
from __future__ import annotations

import logging
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text

from dispatch import personal_data
from dispatch.db import db
from dispatch.models import metadata
from realtime import socketio

from .support import incident_payload

CHEN = "310101195803121234"
ZHAO = "110105197505150026"
PHONE = "13812345678"
ZHAO_PHONE = "13900001111"
ADDRESS = "No. 3 Hexi Village Road"
# A full number, or any piece of it longer than a mask shows, is a leak.
SECRETS = [CHEN, ZHAO, PHONE, ZHAO_PHONE, "+86" + PHONE, CHEN[3:15], ZHAO[3:15], PHONE[:7], PHONE[3:],
           ZHAO_PHONE[:7], ZHAO_PHONE[3:], ADDRESS]
MASKED = "3101**********1234"
ROLES = {"command": "duty", "liaison": "psb", "leader": "leader", "admin": "admin"}


@pytest.fixture
def keyed():
    """An app context with a personal data key and no database: personal_data needs only the key."""
    app = Flask("keys")
    app.config["PERSONAL_DATA_KEY"] = "k" * 43
    with app.app_context():
        yield app


# --- personal_data ------------------------------------------------------------

@pytest.mark.parametrize("raw,masked", [
    (CHEN, "3101**********1234"), ("31010119800101123x", "3101**********123X"),
])
def test_identity_numbers_are_normalized_and_masked_to_region_and_last_four(raw, masked):
    assert personal_data.mask_id_number(personal_data.normalize_id_number(raw)) == masked


@pytest.mark.parametrize("raw,full,masked", [
    ("13812345678", "13812345678", "138****5678"),
    ("+86 138 1234 5678", "13812345678", "138****5678"),
    ("0571-87654321", "057187654321", "057*****4321"),
    ("+852 9123 4567", "+85291234567", "+85*****4567"),
])
def test_phones_are_normalized_and_masked_to_first_three_and_last_four(raw, full, masked):
    assert personal_data.normalize_phone(raw) == full
    assert personal_data.mask_phone(full) == masked


@pytest.mark.parametrize("value", [CHEN, PHONE, "3101**********1234", "138****5678", "12"])
def test_masking_a_masked_form_changes_nothing_and_never_shows_more(value):
    for mask in (personal_data.mask_id_number, personal_data.mask_phone):
        once = mask(value)
        assert mask(once) == once
        assert sum(ch.isdigit() for ch in once) <= 8


@pytest.mark.parametrize("raw,why", [
    ("310101195803121230", "check digit"), ("310101198002301239", "date of birth"),
    ("310101209901011236", "date of birth"), ("000000198001011235", "province"),
    ("31010119580312123", "17 digits"), (None, "Not a resident"), ("1" * 41, "Not a resident"),
])
def test_bad_identity_numbers_are_refused_saying_why_never_echoing_the_number(raw, why):
    with pytest.raises(personal_data.InvalidPersonalData) as refused:
        personal_data.normalize_id_number(raw)
    assert why in str(refused.value) and "3101" not in str(refused.value)


@pytest.mark.parametrize("raw", ["12345", "phone", "", "+1 555", None, "1" * 41])
def test_bad_phones_are_refused(raw):
    with pytest.raises(personal_data.InvalidPersonalData):
        personal_data.normalize_phone(raw)


def test_encryption_round_trips_with_a_fresh_nonce_and_is_bound_to_its_field(keyed):
    one, two = (personal_data.encrypt(CHEN, field="id_number") for _ in range(2))
    assert one != two and CHEN not in one
    assert personal_data.decrypt(one, field="id_number") == CHEN
    with pytest.raises(ValueError):
        personal_data.decrypt(one, field="phone")  # a ciphertext moved to another column does not open


def test_another_key_neither_decrypts_nor_finds_the_same_hash(keyed):
    sealed = personal_data.seal_id_number(CHEN)
    assert sealed.lookup_hash == personal_data.lookup_hash("31010119580312123" + "4")
    keyed.config["PERSONAL_DATA_KEY"] = "z" * 43
    assert personal_data.lookup_hash(CHEN) != sealed.lookup_hash
    with pytest.raises(ValueError):
        personal_data.decrypt(sealed.encrypted, field="id_number")


def test_the_lookup_hash_is_keyed_not_a_plain_digest(keyed):
    import hashlib

    sealed = personal_data.seal_id_number(CHEN)
    assert sealed.lookup_hash != hashlib.sha256(CHEN.encode()).hexdigest()
    assert len(sealed.lookup_hash) == 64 and sealed.masked == MASKED


# --- the matrix -----------------------------------------------------------------

def arrange(duty) -> dict:
    """A repeat petition, a second representative later removed, and a reveal: every kind of event."""
    older = duty.post("/api/incidents", json=incident_payload(occurred_at="2026-10-01T09:00:00+08:00")).get_json()
    newer = duty.post("/api/incidents", json=incident_payload(occurred_at="2026-11-01T09:00:00+08:00")).get_json()
    reps = [duty.post(f"/api/incidents/{incident}/representatives", json=body).get_json() for incident, body in (
        (older["id"], {"name": "Chen Jianguo", "id_number": CHEN, "phone": PHONE, "address": ADDRESS}),
        (newer["id"], {"name": "Chen Jianguo", "id_number": CHEN, "note": "Back again"}),
        (newer["id"], {"name": "Zhao Min", "id_number": ZHAO, "phone": ZHAO_PHONE}),
    )]
    revealed = duty.post(f"/api/persons/{reps[0]['person_id']}/reveal", json={"reason": "Arrange the meeting"})
    assert revealed.status_code == 200 and revealed.get_json()["id_number"] == CHEN  # the check below can see one
    assert duty.delete(f"/api/representatives/{reps[2]['id']}").status_code == 204
    assert reps[1]["repeat_of"] == [older["id"]]
    return {"older": older["id"], "newer": newer["id"], "person": reps[0]["person_id"]}


def leaks(body: str) -> list[str]:
    return [secret for secret in SECRETS if secret in body]


def page_urls(app, incident_id: int) -> list[str]:
    """Every GET page the app registers (not the API, not static files), arguments filled in."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or rule.rule.startswith(("/api", "/socket.io")):
            continue
        urls.append(rule.build({name: incident_id for name in rule.arguments}, append_unknown=False)[1])
    return urls


def database_text() -> str:
    """Every row of every table, as the database gives it back."""
    rows = []
    for table in metadata.sorted_tables:
        rows += [str(tuple(row)) for row in db.session.execute(text(f"SELECT * FROM {table.name}"))]
    return "\n".join(rows)


def database_bytes(app) -> bytes:
    """The SQLite file itself (and its write-ahead log): what someone who copies the file gets."""
    path = Path(app.config["DATABASE_URL"].removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


@pytest.mark.parametrize("role", ROLES)
def test_no_surface_but_the_reveal_shows_a_full_number(app, client_for, duty, role, caplog):
    caplog.set_level(logging.DEBUG)
    viewer = client_for(ROLES[role])
    live = socketio.test_client(app, flask_test_client=viewer.client)
    assert live.is_connected()
    ids = arrange(duty)
    command_only = 200 if role == "command" else 403
    reads = {
        "incident detail": (f"/api/incidents/{ids['newer']}", 200),
        "representatives": (f"/api/incidents/{ids['newer']}/representatives", 200),
        "person": (f"/api/persons/{ids['person']}", command_only),
        "person look-up": (f"/api/persons?id_number={CHEN}", command_only),
        "timeline": (f"/api/incidents/{ids['newer']}/timeline", 200),
        "older timeline": (f"/api/incidents/{ids['older']}/timeline", 200),
        "event feed": ("/api/events", 200),
    }
    bodies = {}
    for surface, (path, status) in reads.items():
        response = viewer.get(path)
        assert response.status_code == status, surface
        bodies[surface] = response.get_data(as_text=True)
    pushed = live.get_received()
    live.emit("resume", {"after": 0}, callback=True)
    replayed = live.get_received()
    live.disconnect()
    bodies["live push"] = str([packet["args"] for packet in pushed])
    bodies["live resume"] = str([packet["args"] for packet in replayed])
    pages = {url: viewer.get(url, follow_redirects=True) for url in page_urls(app, ids["newer"])}
    assert pages["/"].status_code == 200 and pages["/"].mimetype == "text/html"
    bodies.update({f"page {url}": response.get_data(as_text=True) for url, response in pages.items()})
    with app.app_context():
        bodies["database rows"] = database_text()
        db.session.remove()
    if app.config["BACKEND"] == "sqlite":
        raw = database_bytes(app)
        assert b"Chen Jianguo" in raw  # the right file; names are stored as they are
        bodies["database file"] = raw.decode("latin-1")
    bodies["application log"] = caplog.text

    assert {surface: leaks(body) for surface, body in bodies.items()} == {surface: [] for surface in bodies}
    shown = [s for s in ("incident detail", "representatives", "person", "person look-up", "timeline",
                         "event feed", "live push", "live resume", "database rows") if MASKED in bodies[s]]
    expected = ["incident detail", "representatives", "timeline", "event feed", "live push", "live resume",
                "database rows"]
    if role == "command":
        expected[2:2] = ["person", "person look-up"]
    assert shown == expected
    pushed_types = [packet["args"][0]["type"] for packet in pushed if packet["name"] == "event"]
    assert {"representative.added", "representative.removed", "person.revealed"} <= set(pushed_types)



# --- numbers typed into free text ---------------------------------------------------

def test_a_number_typed_into_a_note_demand_or_report_is_kept_masked_on_every_surface(duty, client_for):
    """Nobody can be trusted to keep a number out of a note at 3 a.m.: the text keeps its words, the number
    is masked before it is stored, so the API, the timeline, the report and its page never hold it whole."""
    liaison = client_for("psb")
    units = {unit["code"]: unit["id"] for unit in duty.get("/api/units").get_json()["items"]}
    incident = duty.post("/api/incidents", json=incident_payload(
        demands=f"Wages for Chen ({CHEN}), call {PHONE}")).get_json()
    task = duty.post(f"/api/incidents/{incident['id']}/tasks", json={
        "unit_id": units["PSB"], "title": "Talk to Chen", "instructions": f"Chen's number is {CHEN}",
        "priority": "high"}).get_json()
    for action, extra in (("claim", {}), ("progress", {"note": f"Reached Zhao on {ZHAO_PHONE}, id {ZHAO}"})):
        answer = liaison.post(f"/api/tasks/{task['id']}/transitions", json={"action": action, **extra})
        assert answer.status_code == 200, answer.get_json()
    report = duty.post(f"/api/incidents/{incident['id']}/reports", json={
        "kind": "initial", "summary": f"Chen {CHEN} leads the group", "next_steps": f"Call {PHONE} again"})
    assert report.status_code == 201, report.get_json()

    shown = duty.get(f"/api/incidents/{incident['id']}").get_json()
    assert shown["demands"] == f"Wages for Chen ({MASKED}), call 138****5678"
    surfaces = {
        "incident": duty.get(f"/api/incidents/{incident['id']}").get_data(as_text=True),
        "task": duty.get(f"/api/tasks/{task['id']}").get_data(as_text=True),
        "events": duty.get(f"/api/events?incident_id={incident['id']}&limit=500").get_data(as_text=True),
        "report": duty.get(f"/api/reports/{report.get_json()['id']}").get_data(as_text=True),
        "report page": duty.get(f"/reports/{report.get_json()['id']}").get_data(as_text=True),
        "incident page": duty.get(f"/incidents/{incident['id']}").get_data(as_text=True),
    }
    leaks = [(surface, secret) for surface, body in surfaces.items() for secret in SECRETS if secret in body]
    assert leaks == []
    assert "Reached Zhao on 139****1111, id 1101**********0026" in surfaces["task"]
