"""Reports signed off (拟稿 → 审核签发): command drafts, a leader or command approves; a draft never reaches a
liaison; a follow-up says what changed since the last report; the PDF names who drafted and who approved."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from .support import incident_payload
from .test_pages import page_state
from .test_reports import incident, publish, units  # noqa: F401  (fixtures)
from .test_task_support import dispatch, events_of, walk

needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (make test) installs it")


def draft(client, incident_id, kind="initial", **texts):
    response = publish(client, incident_id, kind, draft=True, **texts)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def approve(client, report_id):
    return client.post(f"/api/reports/{report_id}/approve", json={})


def test_a_draft_is_edited_then_signed_off_and_only_then_published(duty, leader, client_for, incident):
    report = draft(duty, incident["id"], summary="初稿")
    assert report["status"] == "draft" and report["number"] is None and report["approved_by"] is None
    assert report["drafted_by"]["name"] == "Duty Officer Wang"
    assert events_of(duty, "report.published") == []
    edited = duty.patch(f"/api/reports/{report['id']}", json={"summary": "改稿：人数回落。"})
    assert edited.status_code == 200 and edited.get_json()["summary"] == "改稿：人数回落。"
    signed = approve(leader, report["id"])
    assert signed.status_code == 200, signed.get_json()
    body = signed.get_json()
    assert body["status"] == "published" and body["number"] == 1 and body["summary"] == "改稿：人数回落。"
    assert body["approved_by"]["name"] == "Deputy County Head Li" and body["approved_by_id"] == leader.user["id"]
    [event] = events_of(duty, "report.published")
    assert event["data"]["report"]["id"] == report["id"] and event["data"]["report"]["status"] == "published"
    assert client_for("psb").get(f"/api/reports/{report['id']}").get_json()["status"] == "published"


def test_a_draft_never_reaches_a_liaison(duty, client_for, incident):
    report = draft(duty, incident["id"])
    psb = client_for("psb")
    assert psb.get(f"/api/incidents/{incident['id']}/reports").get_json()["items"] == []
    for path in (f"/api/reports/{report['id']}", f"/api/reports/{report['id']}.pdf", f"/reports/{report['id']}"):
        assert psb.get(path).status_code == 404, path
    assert page_state(psb.get(f"/incidents/{incident['id']}"))["reports"] == []
    assert len(page_state(duty.get(f"/incidents/{incident['id']}"))["reports"]) == 1
    assert [e for e in psb.get("/api/events").get_json()["items"] if e["type"].startswith("report.")] == []
    assert client_for("leader").get(f"/api/incidents/{incident['id']}/reports").get_json()["total"] == 1


def test_without_draft_a_report_publishes_at_once_as_before(duty, incident):
    response = publish(duty, incident["id"])
    assert response.status_code == 201 and response.get_json()["status"] == "published"
    assert response.get_json()["number"] == 1 and len(events_of(duty, "report.published")) == 1


@pytest.mark.parametrize("who, status", [("psb", 403), ("admin", 403), ("duty", 200)])
def test_who_signs_off(client_for, duty, incident, who, status):
    report = draft(duty, incident["id"])
    assert approve(client_for(who), report["id"]).status_code == status
    published = status == 200
    assert len(events_of(duty, "report.published")) == int(published)


def test_approving_twice_or_editing_a_published_report_is_refused_and_changes_nothing(duty, leader, incident):
    report = draft(duty, incident["id"])
    assert approve(leader, report["id"]).status_code == 200
    again = approve(leader, report["id"])
    assert again.status_code == 409 and again.get_json()["error"]["current_status"] == "published"
    edit = duty.patch(f"/api/reports/{report['id']}", json={"summary": "changed"})
    assert edit.status_code == 409
    assert duty.get(f"/api/reports/{report['id']}").get_json()["summary"] == "现场秩序总体可控。"
    assert len(events_of(duty, "report.published")) == 1
    assert approve(leader, 999999).status_code == 404
    assert leader.patch(f"/api/reports/{report['id']}", json={"summary": "x"}).status_code == 403
    assert duty.patch(f"/api/reports/{report['id']}", json={}).status_code == 422
    assert approve(leader, report["id"]).status_code == 409


def test_signing_off_a_report_of_another_incident_is_refused_naming_the_incident(duty, leader, incident):
    report = draft(duty, incident["id"])
    other = duty.post("/api/incidents", json={**incident_payload(), "title": "Another"}).get_json()
    wrong = leader.post(f"/api/reports/{report['id']}/approve", json={"incident_id": other["id"]})
    assert wrong.status_code == 422 and "incident_id" in wrong.get_json()["error"]["fields"]
    assert duty.get(f"/api/reports/{report['id']}").get_json()["status"] == "draft"
    right = leader.post(f"/api/reports/{report['id']}/approve", json={"incident_id": incident["id"]})
    assert right.status_code == 200 and right.get_json()["status"] == "published"


def test_a_follow_up_says_what_changed_since_the_last_report(duty, leader, client_for, units, incident):
    incident_id = incident["id"]
    assert duty.get(f"/api/incidents/{incident_id}/reports").get_json()["next_kind"] == "initial"
    assert publish(duty, incident_id).status_code == 201
    assert duty.get(f"/api/incidents/{incident_id}/reports").get_json()["next_kind"] == "follow_up"
    task = dispatch(duty, incident_id, units["LVB"], title="接待代表")
    walk(task["id"], "done", {"lead": client_for("lvb"), "command": duty})
    leader.post(f"/api/incidents/{incident_id}/instructions", json={"text": "稳妥处置。"})
    duty.post(f"/api/incidents/{incident_id}/headcount-reports", json={"headcount": 0})
    report = draft(duty, incident_id, "follow_up")
    changes = report["content"]["changes"]
    assert changes["headcount"] == {"from": 180, "to": 0}
    assert [t["title"] for t in changes["tasks_dispatched"]] == ["接待代表"]
    assert [(t["title"], t["status"]) for t in changes["tasks_settled"]] == [("接待代表", "done")]
    assert [i["text"] for i in changes["instructions"]] == ["稳妥处置。"]
    assert changes["since_report"]["number"] == 1 and changes["meetings"] == [] and changes["commitments"] == []
    page = duty.get(f"/reports/{report['id']}?lang=en").get_data(as_text=True)
    assert "Since the last report" in page and "Headcount: 180 → 0" in page and "Not yet signed off" in page


@needs_pdftotext
@pytest.mark.parametrize("lang, words", [("zh", ("拟稿", "签发", "值班员王立新", "李建华副县长")),
                                         ("en", ("Drafted by", "Approved by", "Duty Officer Wang",
                                                 "Deputy County Head Li"))])
def test_the_pdf_names_who_drafted_and_who_approved(duty, leader, incident, tmp_path, lang, words):
    report = draft(duty, incident["id"])
    assert approve(leader, report["id"]).status_code == 200
    response = leader.get(f"/api/reports/{report['id']}.pdf?lang={lang}")
    assert response.status_code == 200
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.data)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    for word in words:
        assert "".join(word.split()) in flat, word
