"""The leaders' picture in a real browser: the county map (served from this server, nothing fetched from outside),
places and map clicks in the forms (by keyboard too), reports signed off, and a wall that never hides.

One server with the demo data for the module (its places, its located incidents and hidden dangers); each test
signs in its own users. Screenshots in both languages, on a phone and at the wall's 1920x1080."""
from __future__ import annotations

import re

import pytest
import requests

from .support import PASSWORD, http_login, running_server
from .browser import expect, expect_live, shoot, unique

pytestmark = pytest.mark.browser
WAIT = 15_000
PHONE = dict(viewport=(390, 844), is_mobile=True, has_touch=True, device_scale_factor=2)
WALL = dict(viewport=(1920, 1080))
TURN_SECONDS = 2


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("leaders")
    with running_server(f"sqlite:///{folder / 'leaders.db'}", instance_dir=folder,
                        env={"DISPATCH_HEARTBEAT_SECONDS": "1",
                             "DISPATCH_WALL_TURN_SECONDS": str(TURN_SECONDS)}) as running:
        yield running


def api(server, username: str) -> requests.Session:
    return http_login(server.url, username)


def located_on_board(server) -> int:
    items = api(server, "duty").get(f"{server.url}/api/incidents?status=on_board&limit=500").json()["items"]
    return sum(1 for item in items if item["lat"] is not None)


@pytest.mark.parametrize("locale", ["en-GB", "zh-CN"])
def test_the_board_shows_a_map_with_a_pin_per_located_incident_from_this_server_only(open_session, server, locale):
    duty = open_session("duty", locale=locale, path="/board")
    page = duty.page
    expect(page.locator("#situation-map path.township").first).to_be_visible(timeout=WAIT)
    expect(page.locator("#situation-map .incident-pin")).to_have_count(located_on_board(server), timeout=WAIT)
    assert page.locator("#situation-map .danger-pin").count() >= 1  # the demo's high-risk hidden danger
    # a pin is a link reached by keyboard
    pin = page.locator("#situation-map .leaflet-marker-icon").first
    pin.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/(incidents|hidden-dangers)/\d+$"), timeout=WAIT)
    duty.page.goto(f"{server.url}/board")
    expect(page.locator("#situation-map .incident-pin").first).to_be_visible(timeout=WAIT)
    shoot(page, f"leaders-board-map-{locale[:2]}")
    assert any("/static/vendor/leaflet/leaflet.js" in url for url in duty.urls)
    assert any("/static/geo/townships.geojson" in url for url in duty.urls)


@pytest.mark.parametrize("locale", ["en-GB", "zh-CN"])
def test_on_a_phone_the_incident_form_takes_a_place_or_a_point_on_the_map(open_session, server, locale):
    duty = open_session("duty", locale=locale, path="/board", **PHONE)
    page = duty.page
    page.locator("#new-incident").click()
    dialog = page.locator("dialog[open]")
    title = unique("Gathering at the square")
    dialog.locator("#f-title").fill(title)
    dialog.locator("#f-location").fill("People's Square")
    square = "People's Square · Square" if locale.startswith("en") else "人民广场 · 广场"
    expect(dialog.locator("#f-point-place option", has_text=square)).to_have_count(1, timeout=WAIT)
    dialog.locator("#f-point-place").select_option(label=square)
    expect(dialog.locator(".place-point")).to_contain_text("30.27450, 120.15700")
    expect(dialog.locator(".picker-map path.township").first).to_be_visible(timeout=WAIT)
    shoot(page, f"leaders-phone-incident-form-{locale[:2]}")
    dialog.locator("#f-headcount").fill("40")
    dialog.locator("button[type=submit]").click()
    expect(page.locator("dialog[open]")).to_have_count(0, timeout=WAIT)
    session = api(server, "duty")
    [made] = [i for i in session.get(f"{server.url}/api/incidents?q={title.split()[-1]}").json()["items"]]
    assert (made["lat"], made["lng"]) == (30.2745, 120.157)
    # by keyboard: focus the map, move with the arrows, Enter takes the centre
    page.goto(f"{server.url}/incidents/{made['id']}")
    expect_live(page)
    page.locator("#edit-incident, button:has-text('Edit'), button:has-text('编辑')").first.click()
    dialog = page.locator("dialog[open]")
    picker = dialog.locator(".picker-map")
    expect(picker.locator("path.township").first).to_be_visible(timeout=WAIT)
    picker.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    expect(dialog.locator(".place-point")).not_to_contain_text("30.27450, 120.15700")
    dialog.locator("button[type=submit]").click()
    expect(page.locator("dialog[open]")).to_have_count(0, timeout=WAIT)
    moved = session.get(f"{server.url}/api/incidents/{made['id']}").json()
    assert moved["lng"] != 120.157 and 119 < moved["lng"] < 121 and 29 < moved["lat"] < 31
    expect(page.locator("#situation-map .incident-pin")).to_have_count(1, timeout=WAIT)


WALL_ITEMS = {"wall-incidents": ".wall-incident", "wall-escalations": "li[data-task-id]",
              "wall-unacked": "li[data-instruction-id]", "wall-dangers": "li[data-hidden-danger-id]"}
SHOWN_NOW = """(lists) => Object.fromEntries(Object.entries(lists).map(([id, selector]) => [id,
  [...document.querySelectorAll(`#${id} ${selector}`)].filter((n) => !n.hidden && n.offsetParent !== null
     && n.getBoundingClientRect().bottom <= n.closest('.wall-list').getBoundingClientRect().bottom + 1)
   .map((n) => n.dataset.id || n.dataset.taskId || n.dataset.instructionId || n.dataset.hiddenDangerId)]))"""


def crowd_the_wall(server, count: int) -> dict[str, set[str]]:
    """`count` level IV incidents (each with an escalated task and an unacknowledged instruction) and a published
    report: more than fits. What the API says must be on the wall, by list."""
    duty, leader = api(server, "duty"), api(server, "leader")
    units = {u["code"]: u["id"] for u in duty.get(f"{server.url}/api/units").json()["items"]}
    for n in range(count):
        incident = duty.post(f"{server.url}/api/incidents", json={
            "kind": "petition", "title": unique(f"Crowd {n}"), "category": "other", "location": "People's Square",
            "lat": 30.27 + n / 1000, "lng": 120.15, "occurred_at": "2026-01-01T08:00:00+08:00", "headcount": 10 + n,
            "demands": "", "level": "IV"}).json()
        task = duty.post(f"{server.url}/api/incidents/{incident['id']}/tasks", json={
            "unit_id": units["EM"], "title": unique("Open the hall"), "priority": "high"}).json()
        for _ in range(3):
            duty.post(f"{server.url}/api/tasks/{task['id']}/supervision-notices", json={"note": "Hurry."})
        leader.post(f"{server.url}/api/incidents/{incident['id']}/instructions", json={"text": unique("Report back")})
        if n == 0:
            duty.post(f"{server.url}/api/incidents/{incident['id']}/reports",
                      json={"kind": "initial", "next_steps": "Keep talking."})
    on_board = duty.get(f"{server.url}/api/incidents?status=on_board&limit=500").json()["items"]
    tasks = duty.get(f"{server.url}/api/tasks?status=open&limit=500").json()["items"]
    instructions = duty.get(f"{server.url}/api/instructions?limit=500").json()["items"]
    dangers = duty.get(f"{server.url}/api/hidden-dangers?risk=high&status=open").json()["items"]
    ids = {i["id"] for i in on_board}
    return {"wall-incidents": {str(i["id"]) for i in on_board},
            "wall-escalations": {str(t["id"]) for t in tasks if t["escalated"] and t["incident_id"] in ids},
            "wall-unacked": {str(x["id"]) for x in instructions if x["unacknowledged_unit_ids"] and x["incident_id"] in ids},
            "wall-dangers": {str(d["id"]) for d in dangers}}


@pytest.mark.parametrize("locale", ["zh-CN", "en-GB"])
def test_the_wall_never_hides_every_item_comes_within_one_turn(open_session, server, locale):
    expected = crowd_the_wall(server, 11 if locale.startswith("zh") else 0)  # 15 incidents with the demo's
    leader = open_session("leader", locale=locale, path="/wall", **WALL)
    page = leader.page
    expect(page.locator("#wall-reports .wall-report")).to_have_count(1, timeout=WAIT)  # the latest report, at once
    expect(page.locator("#wall-incidents .wall-incident")).to_have_count(len(expected["wall-incidents"]), timeout=WAIT)
    assert page.evaluate("document.documentElement.scrollHeight") <= 1080, "the wall scrolls"
    pages = int(page.locator("#wall-incidents").get_attribute("data-pages"))
    assert pages >= 2 and page.locator("#turn-incidents").is_visible()  # more than fits: a page counter shows
    shoot(page, f"leaders-wall-1920-{locale[:2]}")
    # watch one whole turn of every list (the slowest has the most pages), polling what is on screen
    seen = {name: set() for name in WALL_ITEMS}
    rounds = max(int(page.locator(f"#{name}").get_attribute("data-pages")) for name in WALL_ITEMS)
    deadline_ms = (rounds + 1) * TURN_SECONDS * 1000
    waited = 0
    while waited <= deadline_ms and any(expected[name] - seen[name] for name in WALL_ITEMS):
        for name, ids in page.evaluate(SHOWN_NOW, WALL_ITEMS).items():
            seen[name].update(ids)
        page.wait_for_timeout(200)
        waited += 200
    for name in WALL_ITEMS:
        assert expected[name] <= seen[name], (name, expected[name] - seen[name])
    expect(page.locator("#situation-map .incident-pin")).to_have_count(located_on_board(server), timeout=WAIT)


def test_the_walls_instruction_goes_to_the_units_the_leader_chooses(open_session, server):
    duty = api(server, "duty")
    units = {u["code"]: u["id"] for u in duty.get(f"{server.url}/api/units").json()["items"]}
    incident = duty.post(f"{server.url}/api/incidents", json={
        "kind": "petition", "title": unique("Drivers at the bureau"), "category": "other", "location": "Square",
        "occurred_at": "2026-01-01T08:00:00+08:00", "headcount": 30, "demands": "", "level": "I"}).json()
    duty.post(f"{server.url}/api/incidents/{incident['id']}/tasks", json={
        "unit_id": units["PSB"], "title": "Keep order", "priority": "high"})
    leader = open_session("leader", path="/wall", **WALL)
    page = leader.page
    page.locator(f"#wall-incidents .wall-incident[data-id='{incident['id']}']").click()
    boxes = page.locator("#instruction-units input:checked")
    expect(boxes).to_have_count(2)  # proposed: the unit working it and the command centre
    expect(page.locator("#instruction-units-named")).to_have_text("Command Centre、Public Security")
    page.locator("#instruction-addressees summary").click()  # by keyboard too: it is a <details>
    page.locator(f"#instruction-units input[value='{units['HRSS']}']").check()
    page.locator(f"#instruction-units input[value='{units['PSB']}']").uncheck()
    expect(page.locator("#instruction-units-named")).to_contain_text("Human Resources")
    shoot(page, "leaders-wall-addressees-en")
    page.fill("#instruction-text", "Pay the drivers what is owed.")
    page.click("#instruction-form button[type=submit]")
    expect(page.locator("#instruction-text")).to_have_value("", timeout=WAIT)
    [made] = duty.get(f"{server.url}/api/incidents/{incident['id']}").json()["instructions"]
    assert sorted(a["unit_id"] for a in made["addressees"]) == sorted([units["CC"], units["HRSS"]])


@pytest.mark.parametrize("locale", ["en-GB", "zh-CN"])
def test_command_drafts_a_follow_up_a_leader_signs_it_off_and_the_liaison_sees_it_only_then(open_session, server,
                                                                                           locale):
    duty_http = api(server, "duty")
    incident = duty_http.post(f"{server.url}/api/incidents", json={
        "kind": "petition", "title": unique("Villagers at the township"), "category": "other", "location": "Square",
        "occurred_at": "2026-01-01T08:00:00+08:00", "headcount": 30, "demands": "", "level": "III"}).json()
    units = {u["code"]: u["id"] for u in duty_http.get(f"{server.url}/api/units").json()["items"]}
    duty_http.post(f"{server.url}/api/incidents/{incident['id']}/tasks", json={
        "unit_id": units["PSB"], "title": "Keep order", "priority": "high"})
    assert duty_http.post(f"{server.url}/api/incidents/{incident['id']}/reports",
                          json={"kind": "initial", "next_steps": "Talk."}).status_code == 201
    path = f"/incidents/{incident['id']}"
    duty = open_session("duty", locale=locale, path=path)
    leader = open_session("leader", locale=locale, path=path)
    psb = open_session("psb", locale=locale, path=path)
    duty.page.locator("#publish-report").click()
    dialog = duty.page.locator("dialog[open]")
    expect(dialog.locator("#f-kind")).to_have_value("follow_up")  # proposed: 续报 after 初报
    dialog.locator("#f-next_steps").fill("Hear them again tomorrow.")
    dialog.locator("#f-draft").check()
    dialog.locator("button[type=submit]").click()
    draft = duty.page.locator("#reports li[data-status='draft']")
    expect(draft).to_have_count(1, timeout=WAIT)
    shoot(duty.page, f"leaders-report-draft-{locale[:2]}")
    leader.page.reload()
    expect_live(leader.page)
    leader.page.locator("#reports li[data-status='draft'] .approve-report").click()
    leader.page.locator("dialog[open] button[type=submit]").click()
    expect(leader.page.locator("#reports li[data-status='published']")).to_have_count(2, timeout=WAIT)
    # the liaison never saw the draft, and sees the follow-up live once it is signed off
    expect(psb.page.locator("#reports li[data-status='published']")).to_have_count(2, timeout=WAIT)
    expect(psb.page.locator("#reports li[data-status='draft']")).to_have_count(0)
    expect(duty.page.locator("#reports li[data-status='draft']")).to_have_count(0, timeout=WAIT)
    report_id = psb.page.locator("#reports li").first.get_attribute("data-report-id")
    psb.page.goto(f"{server.url}/reports/{report_id}")
    expect(psb.page.locator(".approved-by")).to_have_text(
        "Deputy County Head Li" if locale.startswith("en") else "李建华副县长")
    expect(psb.page.locator(".changes")).to_be_visible()
    shoot(psb.page, f"leaders-report-signed-{locale[:2]}")


def test_command_records_the_review_of_a_resolved_incident_on_its_page(open_session, server):
    duty_http = api(server, "duty")
    incident = duty_http.post(f"{server.url}/api/incidents", json={
        "kind": "petition", "title": unique("Traders at the market"), "category": "other", "location": "Square",
        "occurred_at": "2026-01-01T08:00:00+08:00", "headcount": 30, "demands": "", "level": "III"}).json()
    for action in ("respond", "contain", "resolve"):
        duty_http.post(f"{server.url}/api/incidents/{incident['id']}/transitions", json={"action": action})
    duty = open_session("duty", locale="zh-CN", path=f"/incidents/{incident['id']}", **PHONE)
    page = duty.page
    page.locator("#record-review").click()
    dialog = page.locator("dialog[open]")
    dialog.locator("#f-summary").fill("商户当天散去。")
    dialog.locator("#f-lessons").fill("市场监管部门应更早到场。")
    dialog.locator("#f-text_1").fill("建立市场商户联络名单")
    dialog.locator("#f-unit_1").select_option(label="人力资源和社会保障局")
    dialog.locator("#f-due_1").fill("2030-01-10T17:00")
    dialog.locator("button[type=submit]").click()
    expect(page.locator("#review a").first).to_be_visible(timeout=WAIT)
    expect(page.locator("#record-review")).to_be_hidden()
    review = duty_http.get(f"{server.url}/api/incidents/{incident['id']}/review").json()
    assert review["improvements"][0]["text"] == "建立市场商户联络名单" and review["improvements"][0]["task_id"]
    shoot(page, "leaders-phone-review-zh")
    page.goto(f"{server.url}/incidents/{incident['id']}/review")
    expect(page.locator(".key-times")).to_contain_text("首次交办")
    shoot(page, "leaders-phone-review-page-zh")
