"""The demo data of API.md, written in DISPATCH_DEMO_LANGUAGE, shown in the page's language."""
from __future__ import annotations

import re

import pytest

from dispatch.db import db
from dispatch.demo import UNITS, load_demo

from .conftest import reset_database
from .test_pages import page_state

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def demo(app, demo_language, client_for):
    """The whole demo loaded into an empty database, as `make run` does."""
    with app.app_context():
        reset_database()
        load_demo()
        db.session.remove()
    return demo_language


def test_the_demo_keeps_what_api_md_promises(demo, client_for):
    duty = client_for("duty")
    assert [unit["code"] for unit in duty.get("/api/units").get_json()["items"]] == [code for code, *_ in UNITS]
    for username in ["leader", "admin"] + [code.lower() for code, *_ in UNITS[1:]]:
        client_for(username)  # each signs in with the demo password
    incidents = duty.get("/api/incidents").get_json()["items"]
    assert len(incidents) == 4
    tasks = duty.get("/api/tasks?limit=100").get_json()["items"]
    assert {"dispatched", "claimed", "in_progress", "submitted", "done"} <= {task["status"] for task in tasks}
    assert sum(task["overdue"] for task in tasks) == 1
    [instruction] = duty.get("/api/instructions").get_json()["items"]
    assert instruction["acknowledged_unit_ids"] and instruction["unacknowledged_unit_ids"]
    gate = duty.get(f"/api/incidents/{incidents[-1]['id']}").get_json()
    assert len(gate["representatives"]) == 3 and any(rep["repeat_of"] for rep in gate["representatives"])


def test_the_demo_texts_are_written_in_the_chosen_language(demo, client_for):
    duty = client_for("duty")
    incidents = duty.get("/api/incidents").get_json()["items"]
    texts = [text for incident in incidents for text in (incident["title"], incident["location"], incident["demands"])]
    gate = duty.get(f"/api/incidents/{incidents[-1]['id']}").get_json()
    texts += [rep["name"] for rep in gate["representatives"]] + [task["title"] for task in gate["tasks"]]
    texts += [instruction["text"] for instruction in gate["instructions"]]
    if demo == "zh":
        assert all(CHINESE.search(text) for text in texts), texts
        assert "县纺织厂三百余名下岗职工到县政府门前聚集讨薪" in texts
    else:
        assert not any(CHINESE.search(text) for text in texts), texts


@pytest.mark.parametrize("language,duty_name,liaison_name", [
    ("zh", "值班员王立新", "公安局联络员"), ("en", "Duty Officer Wang", "Public Security liaison")])
def test_people_are_named_in_the_pages_language(client_for, language, duty_name, liaison_name):
    psb = client_for("psb")
    html = psb.get(f"/board?lang={language}").get_data(as_text=True)
    assert f'<span class="who">{liaison_name} ·' in html
    state = page_state(psb.get(f"/board?lang={language}"))
    assert state["user"]["name"] == liaison_name
    duty = next(user for user in state["users"] if user["name"] == "Duty Officer Wang")
    assert duty["name_zh"] == "值班员王立新"
    assert duty_name in (duty["name"], duty["name_zh"])


def test_the_demo_has_a_response_plan_per_category_and_level_i_to_iii(demo, client_for):
    plans = client_for("leader").get("/api/response-plans").get_json()["items"]
    by = {(plan["category"], tuple(plan["levels"])): plan for plan in plans}
    categories = ("wage_arrears", "land_acquisition", "environmental_pollution")
    assert set(by) == {(category, (level,)) for category in categories for level in ("I", "II", "III")}
    for category in categories:
        severe, least = by[(category, ("I",))], by[(category, ("III",))]
        # a level-I plan brings in more units, with shorter time limits for the same units
        assert len({t["unit_id"] for t in severe["tasks"]}) > len({t["unit_id"] for t in least["tasks"]})
        limits = {t["unit_id"]: t["due_in_minutes"] for t in least["tasks"]}
        assert all(t["due_in_minutes"] < limits[t["unit_id"]] for t in severe["tasks"] if t["unit_id"] in limits)
    texts = [plan["name"] for plan in plans] + [task["title"] for plan in plans for task in plan["tasks"]]
    assert all(bool(CHINESE.search(text)) == (demo == "zh") for text in texts), texts
