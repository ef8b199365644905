"""Every refusal in the user's language: `message` and every text in `fields`, Chinese by default.

The language is chosen as the pages choose it (`?lang`, the cookie, Accept-Language, else
Chinese); `code` values and field names stay as they are, they are the contract.
"""
from __future__ import annotations

import json
import re

import pytest
from werkzeug.exceptions import InternalServerError, RequestEntityTooLarge, UnsupportedMediaType

from dispatch.errors import LIBRARY_MESSAGES

from .support import incident_payload
from .test_bad_input import FIELD_CASES, QUERY_CASES

# what is checked here does not depend on the database: SQLite alone
pytestmark = pytest.mark.one_backend

CHINESE = re.compile(r"[\u4e00-\u9fff]")
# A Chinese text may name codes and formats (JSON, X-CSRF-Token, a field's choices "I, II, III"),
# never two English words in a row: that is a sentence.
TWO_WORDS = re.compile(r"[A-Za-z]+ +[A-Za-z]+")
LANGUAGES = {"zh": {"Accept-Language": "zh-CN,zh;q=0.9"}, "en": {"Accept-Language": "en-GB,en;q=0.8"}}


def assert_in_language(error: dict, language: str) -> None:
    texts = [error["message"], *(text for texts in error["fields"].values() for text in texts)]
    assert texts[0], error
    for text in texts:
        if language == "zh":
            assert CHINESE.search(text), (text, error)
            assert not TWO_WORDS.search(text), (text, error)
        else:
            assert not CHINESE.search(text), (text, error)
            assert TWO_WORDS.search(text), (text, error)


@pytest.fixture
def arranged(duty, client_for):
    """An incident with a dispatched task of Public Security, the task and the units by code."""
    units = {unit["code"]: unit["id"] for unit in duty.get("/api/units").get_json()["items"]}
    incident = duty.post("/api/incidents", json=incident_payload(kind="petition")).get_json()
    task = duty.post(f"/api/incidents/{incident['id']}/tasks",
                     json={"unit_id": units["PSB"], "title": "A1", "priority": "high"}).get_json()
    return {"incident": incident, "task": task, "units": units}


def _edit_twice(duty, arranged, headers):
    incident = arranged["incident"]
    duty.patch(f"/api/incidents/{incident['id']}", json={"version": incident["version"], "headcount": 310})
    return duty.patch(f"/api/incidents/{incident['id']}", json={"version": incident["version"], "headcount": 320},
                      headers=headers)


def _close_with_task_open(duty, arranged, headers):
    path = f"/api/incidents/{arranged['incident']['id']}/transitions"
    duty.post(path, json={"action": "resolve"})
    return duty.post(path, json={"action": "close"}, headers=headers)


def _representatives_over_the_cap(duty, arranged, headers):
    path = f"/api/incidents/{arranged['incident']['id']}/representatives"
    for serial in range(5):
        number = genuine("330102", "19700101", f"{serial:03d}")
        assert duty.post(path, json={"name": f"P{serial}", "id_number": number}).status_code == 201
    return duty.post(path, json={"name": "P6", "id_number": genuine("330102", "19700101", "099")}, headers=headers)


def _rate_limited(client_for, headers):
    stranger = client_for(None)
    for _ in range(5):
        stranger.client.post("/api/session", json={"username": "duty", "password": "wrong-wrong"})
    return stranger.client.post("/api/session", json={"username": "duty", "password": "wrong-wrong"}, headers=headers)


def genuine(region: str, born: str, serial: str = "123") -> str:
    from stdnum.cn import ric

    body = region + born + serial
    return body + ric.calc_check_digit(body + "0")


# (what the user did, status, code, how to do it): one row per kind of refusal.
REFUSALS = [
    ("malformed body", 400, "bad_request", lambda duty, cf, a, h: duty.client.post(
        "/api/incidents", data="{not json", content_type="application/json",
        headers={**h, "X-CSRF-Token": duty.csrf})),
    ("not signed in", 401, "unauthorized", lambda duty, cf, a, h: cf(None).get("/api/incidents", headers=h)),
    ("wrong password", 401, "unauthorized", lambda duty, cf, a, h: cf(None).client.post(
        "/api/session", json={"username": "duty", "password": "not-it"}, headers=h)),
    ("no CSRF token", 403, "forbidden", lambda duty, cf, a, h: duty.client.post(
        "/api/incidents", json=incident_payload(), headers=h)),
    ("a role that may not", 403, "forbidden", lambda duty, cf, a, h: cf("psb").post(
        "/api/incidents", json=incident_payload(), headers=h)),
    ("a role that may not take the action", 403, "forbidden", lambda duty, cf, a, h: duty.post(
        f"/api/tasks/{a['task']['id']}/transitions", json={"action": "claim"}, headers=h)),
    ("another unit's task", 403, "forbidden", lambda duty, cf, a, h: cf("hrss").post(
        f"/api/tasks/{a['task']['id']}/transitions", json={"action": "claim"}, headers=h)),
    ("missing incident", 404, "not_found", lambda duty, cf, a, h: duty.get("/api/incidents/999999", headers=h)),
    ("missing task", 404, "not_found", lambda duty, cf, a, h: duty.get("/api/tasks/999999", headers=h)),
    ("no such address", 404, "not_found", lambda duty, cf, a, h: duty.get("/api/nowhere", headers=h)),
    ("wrong method", 405, "method_not_allowed", lambda duty, cf, a, h: duty.delete("/api/incidents", headers=h)),
    ("stale version", 409, "conflict", lambda duty, cf, a, h: _edit_twice(duty, a, h)),
    ("transition the state forbids", 409, "conflict", lambda duty, cf, a, h: cf("psb").post(
        f"/api/tasks/{a['task']['id']}/transitions", json={"action": "submit", "note": "x"}, headers=h)),
    ("close with unsettled tasks", 409, "conflict", lambda duty, cf, a, h: _close_with_task_open(duty, a, h)),
    ("acknowledged twice", 409, "conflict", lambda duty, cf, a, h: _acknowledge_twice(duty, cf, a, h)),
    ("body too large", 413, "too_large", lambda duty, cf, a, h: duty.post(
        "/api/incidents", json=incident_payload(demands="x" * 2_000_000), headers=h)),
    ("required field missing", 422, "invalid", lambda duty, cf, a, h: duty.post(
        "/api/incidents", json={k: v for k, v in incident_payload().items() if k != "title"}, headers=h)),
    ("unknown field", 422, "invalid", lambda duty, cf, a, h: duty.post(
        "/api/incidents", json=incident_payload(colour="red"), headers=h)),
    ("not an integer", 422, "invalid", lambda duty, cf, a, h: duty.post(
        "/api/incidents", json=incident_payload(headcount="many"), headers=h)),
    ("too long", 422, "invalid", lambda duty, cf, a, h: duty.post(
        "/api/incidents", json=incident_payload(title="x" * 201), headers=h)),
    ("not one of", 422, "invalid", lambda duty, cf, a, h: duty.post(
        "/api/incidents", json=incident_payload(level="V"), headers=h)),
    ("out of range", 422, "invalid", lambda duty, cf, a, h: duty.post(
        "/api/incidents", json=incident_payload(headcount=0), headers=h)),
    ("not a time", 422, "invalid", lambda duty, cf, a, h: duty.post(
        "/api/incidents", json=incident_payload(occurred_at="yesterday"), headers=h)),
    ("needed by the action", 422, "invalid", lambda duty, cf, a, h: cf("psb").post(
        f"/api/tasks/{a['task']['id']}/transitions", json={"action": "return"}, headers=h)),
    ("wrong check digit", 422, "invalid", lambda duty, cf, a, h: duty.post(
        f"/api/incidents/{a['incident']['id']}/representatives",
        json={"name": "P", "id_number": "310101195803121230"}, headers=h)),
    ("not a phone", 422, "invalid", lambda duty, cf, a, h: duty.post(
        f"/api/incidents/{a['incident']['id']}/representatives",
        json={"name": "P", "id_number": genuine("330102", "19700101"), "phone": "12345"}, headers=h)),
    ("over the representatives' cap", 422, "invalid", lambda duty, cf, a, h: _representatives_over_the_cap(duty, a, h)),
    ("lead unit also co-handling", 422, "invalid", lambda duty, cf, a, h: duty.post(
        f"/api/incidents/{a['incident']['id']}/tasks", json={"unit_id": a["units"]["EM"], "title": "A2",
                                                             "co_unit_ids": [a["units"]["EM"]]}, headers=h)),
    ("unknown query argument", 422, "invalid", lambda duty, cf, a, h: duty.get("/api/incidents?staus=x", headers=h)),
    ("too many failed sign-ins", 429, "too_many_requests", lambda duty, cf, a, h: _rate_limited(cf, h)),
]


def _acknowledge_twice(duty, client_for, arranged, headers):
    issued = client_for("leader").post(f"/api/incidents/{arranged['incident']['id']}/instructions",
                                       json={"text": "Keep the road open"}).get_json()
    duty.post(f"/api/instructions/{issued['id']}/acknowledgements")
    return duty.post(f"/api/instructions/{issued['id']}/acknowledgements", headers=headers)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("what,status,code,act", REFUSALS, ids=[row[0] for row in REFUSALS])
def test_every_refusal_speaks_the_users_language(duty, client_for, arranged, what, status, code, act, language):
    response = act(duty, client_for, arranged, LANGUAGES[language])
    assert response.status_code == status, response.get_data(as_text=True)[:400]
    error = response.get_json()["error"]
    assert error["code"] == code
    assert_in_language(error, language)


def test_chinese_is_the_default_and_lang_or_the_cookie_override_the_browser(duty, client_for):
    plain = client_for(None).get("/api/incidents")  # no Accept-Language at all
    assert plain.get_json()["error"]["message"] == "请先登录。"
    assert duty.get("/api/incidents/999999?lang=en", headers=LANGUAGES["zh"]).get_json()["error"]["message"] \
        .startswith("No such incident")
    duty.client.set_cookie("lang", "zh")
    assert CHINESE.search(duty.get("/api/incidents/999999", headers=LANGUAGES["en"]).get_json()["error"]["message"])


def test_refusals_say_what_to_do_next_in_the_glossarys_words(duty, client_for, arranged):
    close = _close_with_task_open(duty, arranged, LANGUAGES["zh"]).get_json()["error"]
    assert close["message"] == "事件暂不能结案：尚有 1 项任务未办结（A1）。请先审核通过或撤销这些任务。"
    assert [task["id"] for task in close["unsettled_tasks"]] == [arranged["task"]["id"]]
    transition = client_for("psb").post(f"/api/tasks/{arranged['task']['id']}/transitions",
                                        json={"action": "submit", "note": "x"}, headers=LANGUAGES["zh"])
    assert transition.get_json()["error"]["message"] == "当前状态为“已交办”，不能“提交办结”：请刷新查看最新情况。"
    wrong_role = duty.post(f"/api/tasks/{arranged['task']['id']}/transitions", json={"action": "claim"},
                           headers=LANGUAGES["zh"])
    assert wrong_role.get_json()["error"]["message"] == "只有部门联络员可以“签收”。"
    over = _representatives_over_the_cap(duty, arranged, LANGUAGES["zh"]).get_json()["error"]
    assert over["message"].startswith("每起事件的信访代表不超过 5 人") and over["max_representatives"] == 5


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("method,path,body,field", FIELD_CASES,
                         ids=[f"{m} {p} {f} {i}" for i, (m, p, _b, f) in enumerate(FIELD_CASES)])
def test_every_bad_field_is_explained_in_the_users_language(duty, method, path, body, field, language):
    incident = duty.post("/api/incidents", json=incident_payload()).get_json()
    response = duty.client.open(path.format(id=incident["id"]), method=method, data=json.dumps(body),
                                content_type="application/json",
                                headers={"X-CSRF-Token": duty.csrf, **LANGUAGES[language]})
    error = response.get_json()["error"]
    assert field in error["fields"]  # field names stay the contract's
    assert_in_language(error, language)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("url,field", QUERY_CASES)
def test_every_bad_query_argument_is_explained_in_the_users_language(duty, url, field, language):
    error = duty.get(url, headers=LANGUAGES[language]).get_json()["error"]
    assert field in error["fields"]
    assert_in_language(error, language)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("refusal", [UnsupportedMediaType(), RequestEntityTooLarge(), InternalServerError()])
def test_http_errors_carry_no_english_filler_sentence(app, refusal, language):
    with app.test_request_context("/api/incidents", headers=LANGUAGES[language]):
        response = app.make_response(app.handle_http_exception(refusal))
    error = response.get_json()["error"]
    assert refusal.description not in error["message"]
    assert_in_language(error, language)


def test_every_library_message_has_our_own_words_in_chinese(app):
    """The mapping's right-hand sides are all translated (the catalogue test checks the ids exist)."""
    with app.test_request_context("/", headers=LANGUAGES["zh"]):
        untranslated = [str(ours) for _theirs, ours in LIBRARY_MESSAGES if not CHINESE.search(str(ours))]
    assert untranslated == []
