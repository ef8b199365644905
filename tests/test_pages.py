"""The HTML pages through the Flask test client: who lands where, languages, what a page carries."""
from __future__ import annotations

import io
import json
import re

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask_babel import force_locale

from dispatch.pages.i18n import LABELS, STRINGS

from .support import ROOT, incident_payload

PAGES = ("/board", "/wall", "/queue", "/incidents/1")
STATE = re.compile(r'<script id="state" type="application/json">(.*?)</script>', re.S)


def page_state(response) -> dict:
    return json.loads(STATE.search(response.get_data(as_text=True)).group(1))


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitor_is_sent_to_sign_in_and_back(anonymous, path):
    response = anonymous.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next={path}"


@pytest.mark.parametrize("username, home", [("duty", "/board"), ("psb", "/queue"), ("leader", "/wall"),
                                            ("admin", "/board")])
def test_each_role_lands_on_its_own_page(client_for, username, home):
    assert client_for(username).get("/").headers["Location"] == home


@pytest.mark.parametrize("target", ["//elsewhere.example/x", "/\\elsewhere.example", "https://elsewhere.example/",
                                    "javascript:alert(1)"])
def test_sign_in_never_sends_anyone_off_the_site(duty, target):
    response = duty.get("/login", query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_buttons_come_from_the_transition_tables_the_server_applies(duty):
    html = duty.get("/board").get_data(as_text=True)
    client = json.loads(re.search(r'<script id="client" type="application/json">(.*?)</script>', html, re.S).group(1))
    assert ["claim", "liaison"] in client["transitions"]["task"]["dispatched"]
    assert ["verify", "command"] in client["transitions"]["task"]["submitted"]
    assert ["close", "command"] in client["transitions"]["incident"]["resolved"]
    assert "close" not in [action for action, _ in client["transitions"]["incident"]["reported"]]
    assert client["timezone"] == "Asia/Shanghai"


def test_a_missing_incident_is_a_page_that_says_so(duty):
    response = duty.get("/incidents/999999", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "Not found" in response.get_data(as_text=True)


def test_language_follows_the_browser_then_the_choice_and_is_remembered(client_for):
    psb = client_for("psb")
    chinese = psb.get("/board", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(as_text=True)
    assert 'lang="zh-CN"' in chinese and "态势看板" in chinese
    english = psb.get("/board", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert 'lang="en"' in english and ">Board<" in english
    switched = psb.get("/board?lang=zh", headers={"Accept-Language": "en"})
    assert "lang=zh" in switched.headers["Set-Cookie"]
    assert "态势看板" in psb.get("/wall", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_every_word_the_scripts_show_has_a_chinese_translation(app):
    """The JSON catalogue of the scripts: nothing left in English on a Chinese page."""
    same_in_both = {"{a} → {b}", "by {name}"}
    with app.test_request_context("/?lang=zh"), force_locale("zh"):
        # the event types' labels are written in both languages in their catalogue (tests/test_event_types.py)
        words = [*STRINGS.values(), *(text for name, group in LABELS.items() if name != "event"
                                      for text in group.values())]
        untranslated = [text._args[0] for text in words
                        if str(text) == text._args[0] and text._args[0] not in same_in_both]
    assert untranslated == []


def test_every_label_in_the_code_has_a_chinese_translation():
    """What pybabel would extract today (babel.cfg) is all in the catalogue, translated."""
    with (ROOT / "translations" / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalogue = read_po(po)
    method_map, options_map = parse_mapping_cfg(io.StringIO((ROOT / "babel.cfg").read_text()))
    in_code = {message for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords={**DEFAULT_KEYWORDS, "_l": None})
        if isinstance(message, str)}
    translated = {message.id for message in catalogue if message.id and message.string and not message.fuzzy}
    assert len(in_code) > 200 and sorted(in_code - translated) == []


def test_chinese_labels_use_the_glossary_words(client_for):
    html = client_for("duty").get("/board?lang=zh").get_data(as_text=True)
    words = json.loads(re.search(r'<script id="words" type="application/json">(.*?)</script>', html, re.S).group(1))
    assert words["strings"]["live"] == "实时"
    assert words["strings"]["reconnecting"] == "重新连接中"
    assert words["strings"]["catching_up"] == "同步中"
    assert words["strings"]["reload_needed"] == "需要刷新"
    assert words["labels"]["level_long"]["I"] == "Ⅰ级（特别重大）"
    assert words["labels"]["task_action"]["claim"] == "签收"
    assert words["labels"]["status"]["contained"] == "已控制"


def test_board_starts_from_active_incidents_stamped_with_the_log_position(duty, client_for):
    registered = duty.post("/api/incidents", json=incident_payload(title="Blockade at the quarry")).get_json()
    closed_later = duty.post("/api/incidents", json=incident_payload(title="Resolved before lunch")).get_json()
    duty.post(f"/api/incidents/{closed_later['id']}/transitions", json={"action": "resolve"})
    state = page_state(client_for("psb").get("/board"))
    titles = [incident["title"] for incident in state["incidents"]]
    assert "Blockade at the quarry" in titles and "Resolved before lunch" not in titles
    assert state["last_seq"] == duty.get("/api/events?after=0").get_json()["last_seq"]
    assert state["user"]["role"] == "liaison"
    assert registered["id"] in {incident["id"] for incident in state["incidents"]}


def test_unit_queue_holds_only_that_units_open_tasks(duty, client_for):
    incident = duty.post("/api/incidents", json=incident_payload()).get_json()
    units = {unit["code"]: unit["id"] for unit in duty.get("/api/units").get_json()["items"]}
    for code, title in (("PSB", "Keep the road open"), ("HRSS", "Check the wage roster")):
        answer = duty.post(f"/api/incidents/{incident['id']}/tasks",
                           json={"unit_id": units[code], "title": title, "priority": "high"})
        assert answer.status_code == 201, answer.get_json()
    state = page_state(client_for("psb").get("/queue"))
    assert [task["title"] for task in state["tasks"]] == ["Keep the road open"]
    assert state["unit_id"] == units["PSB"]


def test_incident_page_never_carries_a_full_identity_number(duty, client_for):
    incident = duty.post("/api/incidents", json=incident_payload(kind="petition")).get_json()
    added = duty.post(f"/api/incidents/{incident['id']}/representatives",
                      json={"name": "Zhao Min", "id_number": "11010519491231002X", "phone": "13812345678"})
    assert added.status_code == 201, added.get_json()
    for username in ("duty", "psb", "leader"):
        html = client_for(username).get(f"/incidents/{incident['id']}").get_data(as_text=True)
        assert "Zhao Min" in html
        assert "11010519491231002X" not in html and "13812345678" not in html


def test_pages_load_nothing_from_outside_the_site():
    """Every script, style, font and icon is served from static/: no absolute URL in a page or script."""
    outside = re.compile(r"""(src|href)\s*=\s*["'](https?:)?//|url\(\s*["']?(https?:)?//|@import""", re.I)
    offenders = []
    for path in [*(ROOT / "templates").rglob("*.html"), *(ROOT / "static" / "js").rglob("*.js"),
                 *(ROOT / "static" / "css").rglob("*.css")]:
        if outside.search(path.read_text(encoding="utf-8")):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
    assert (ROOT / "static" / "vendor" / "socket.io.min.js").read_text()[:40].find("Socket.IO v4") > 0


@pytest.mark.parametrize("username,offered,withheld", [
    ("duty", {"register_incident", "dispatch_task", "reveal_person", "supervise_task", "export_register"},
     {"issue_instruction", "administer"}),
    ("leader", {"issue_instruction", "export_register"}, {"register_incident", "dispatch_task", "reveal_person"}),
    ("psb", {"act_on_task", "report_headcount", "acknowledge_instruction"},
     {"register_incident", "export_register", "issue_instruction"}),
])
def test_the_pages_offer_what_the_permissions_module_allows(client_for, username, offered, withheld):
    client = json.loads(re.search(r'<script id="client" type="application/json">(.*?)</script>',
                                  client_for(username).get("/board").get_data(as_text=True), re.S).group(1))
    may = client["may"]
    assert {name for name in offered if may[name]} == offered
    assert not any(may[name] for name in withheld)
