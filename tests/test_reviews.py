"""After-action review (复盘): for a resolved or closed incident, the key times from the log, what was learnt, and
improvements that are real tasks for their units; printable, and counted on the statistics page."""
from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta

import pytest

from .test_task_support import act, dispatch, events_of, iso, new_incident, unit_ids, walk

needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (make test) installs it")


@pytest.fixture
def units(duty):
    return unit_ids(duty)


def move(duty, incident_id, *actions):
    for action in actions:
        response = duty.post(f"/api/incidents/{incident_id}/transitions", json={"action": action})
        assert response.status_code == 200, response.get_json()


@pytest.fixture
def resolved(duty, client_for, units):
    """An incident that went the whole way: a task claimed and verified, a report, contained, resolved."""
    incident = new_incident(duty)
    task = dispatch(duty, incident["id"], units["PSB"])
    walk(task["id"], "done", {"lead": client_for("psb"), "command": duty})
    duty.post(f"/api/incidents/{incident['id']}/reports", json={"kind": "initial", "next_steps": "Watch."})
    move(duty, incident["id"], "respond", "contain", "resolve")
    return incident


def body(units, **overrides):
    return {"summary": "The crowd left by noon.", "lessons": "Call the employer in at once.",
            "improvements": [{"text": "Keep a wage-arrears contact list", "unit_id": units["HRSS"],
                              "due_at": iso(timedelta(days=7))}], **overrides}


def test_a_review_reads_the_key_times_from_the_log_and_its_improvements_are_tasks(duty, client_for, units, resolved):
    response = duty.post(f"/api/incidents/{resolved['id']}/review", json=body(units))
    assert response.status_code == 201, response.get_json()
    review = response.get_json()
    assert review["incident_id"] == resolved["id"] and review["summary"] == "The crowd left by noon."
    times = review["key_times"]
    assert set(times) == {"registered", "first_dispatch", "first_claim", "first_report", "contained", "resolved"}
    assert all(times.values())
    assert times["registered"] <= times["first_dispatch"] <= times["first_claim"] <= times["contained"]
    [improvement] = review["improvements"]
    task = duty.get(f"/api/tasks/{improvement['task_id']}").get_json()
    assert task["unit_id"] == units["HRSS"] and task["status"] == "dispatched" and task["incident_id"] == resolved["id"]
    hrss = client_for("hrss")
    assert [t["id"] for t in hrss.get(f"/api/tasks?unit_id={units['HRSS']}&status=open").get_json()["items"]] == [
        task["id"]]
    assert act(hrss, task["id"], "claim").status_code == 200  # worked like any task
    assert duty.post(f"/api/tasks/{task['id']}/supervision-notices", json={"note": "By Friday."}).status_code == 201
    [event] = events_of(duty, "review.recorded")
    assert event["incident_id"] == resolved["id"] and event["data"]["review"]["improvement_task_ids"] == [task["id"]]
    assert client_for("psb").get(f"/api/incidents/{resolved['id']}/review").get_json()["id"] == review["id"]


def test_a_closed_incident_is_reviewed_too(duty, units, resolved):
    move(duty, resolved["id"], "close")
    response = duty.post(f"/api/incidents/{resolved['id']}/review", json=body(units))
    assert response.status_code == 201, response.get_json()
    assert duty.get(f"/api/tasks/{response.get_json()['improvements'][0]['task_id']}").get_json()["status"] == \
        "dispatched"


def test_an_open_incident_is_not_reviewed_and_nothing_is_stored(duty, units):
    incident = new_incident(duty)
    response = duty.post(f"/api/incidents/{incident['id']}/review", json=body(units))
    assert response.status_code == 409 and response.get_json()["error"]["current_status"] == "reported"
    assert duty.get(f"/api/incidents/{incident['id']}/review").status_code == 404
    assert duty.get(f"/api/tasks?incident_id={incident['id']}").get_json()["total"] == 0
    assert events_of(duty, "review.recorded") == []


@pytest.mark.parametrize("change, field", [
    ({"summary": " "}, "summary"), ({"lessons": None}, "lessons"),
    ({"improvements": [{"text": "x", "unit_id": 99999, "due_at": timedelta(days=1)}]}, "improvements.0.unit_id"),
    ({"improvements": [{"text": "x", "unit_id": 1, "due_at": timedelta(days=-1)}]}, "improvements.0.due_at"),
    ({"improvements": [{"text": "", "unit_id": 1, "due_at": timedelta(days=1)}]}, "improvements.0.text"),
    ({"extra": 1}, "extra")])
def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(duty, units, resolved, change, field):
    # a time limit given as its distance from the test's own now
    change = {key: [{**item, "due_at": iso(item["due_at"])} for item in value] if key == "improvements" else value
              for key, value in change.items()}
    response = duty.post(f"/api/incidents/{resolved['id']}/review", json={**body(units), **change})
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert duty.get(f"/api/incidents/{resolved['id']}/review").status_code == 404
    assert [t["title"] for t in duty.get(f"/api/tasks?incident_id={resolved['id']}").get_json()["items"]] == [
        "Keep the road open"]


def test_a_second_review_and_other_roles_are_refused(duty, leader, client_for, units, resolved):
    assert leader.post(f"/api/incidents/{resolved['id']}/review", json=body(units)).status_code == 403
    assert client_for("psb").post(f"/api/incidents/{resolved['id']}/review", json=body(units)).status_code == 403
    assert duty.post(f"/api/incidents/{resolved['id']}/review", json=body(units)).status_code == 201
    again = duty.post(f"/api/incidents/{resolved['id']}/review", json=body(units))
    assert again.status_code == 409
    assert duty.get(f"/api/tasks?incident_id={resolved['id']}").get_json()["total"] == 2
    assert duty.post("/api/incidents/99999/review", json=body(units)).status_code == 404


def test_the_statistics_page_counts_reviews_and_open_improvements(duty, leader, client_for, units, resolved):
    review = duty.post(f"/api/incidents/{resolved['id']}/review", json=body(units, improvements=[
        {"text": "Contact list", "unit_id": units["HRSS"], "due_at": iso(timedelta(days=7))},
        {"text": "Drill", "unit_id": units["PSB"], "due_at": iso(timedelta(days=7))}])).get_json()
    walk(review["improvements"][1]["task_id"], "done", {"lead": client_for("psb"), "command": duty})
    page = leader.get("/statistics?lang=en").get_data(as_text=True)
    assert 'data-reviews="1"' in page and 'data-open-improvements="1"' in page


@needs_pdftotext
@pytest.mark.parametrize("lang, words", [("zh", ("复盘", "首次交办", "经验教训", "人力资源和社会保障局")),
                                         ("en", ("After-action review", "First task dispatched", "Lessons",
                                                 "Human Resources"))])
def test_the_review_prints_as_a_page_and_a_pdf(duty, leader, units, resolved, tmp_path, lang, words):
    assert duty.post(f"/api/incidents/{resolved['id']}/review", json=body(units)).status_code == 201
    page = leader.get(f"/incidents/{resolved['id']}/review?lang={lang}")
    assert page.status_code == 200 and words[0] in page.get_data(as_text=True)
    response = leader.get(f"/api/incidents/{resolved['id']}/review.pdf?lang={lang}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    pdf = tmp_path / "review.pdf"
    pdf.write_bytes(response.data)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    for word in words:
        assert "".join(word.split()) in flat, word
