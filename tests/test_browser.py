"""The pages in a real browser (Debian's chromium through playwright), several users at once.

The server and the browser are the session's (tests/browser.py); each test opens
its own contexts and uses titles of its own.
"""
from __future__ import annotations

import re

import pytest

from .browser import (PHONE, SCREENSHOTS, TARGETS_TOO_SMALL, WAIT, board_row, expect, expect_live,
                      register_through_api, shoot, unique)
from .support import PASSWORD, http_login

pytestmark = pytest.mark.browser


# ---------------------------------------------------------------------------------------------

def test_wrong_password_is_refused_clearly_and_the_right_one_opens_the_board(open_session, server):
    visitor = open_session(None)
    page = visitor.page
    page.goto(f"{server.url}/board")
    expect(page).to_have_url(re.compile(r"/login\?next=/board"))
    page.click("button[type=submit]")
    expect(page.locator("#login-error")).to_have_text("Enter your username and password.")
    page.fill("#username", "duty")
    page.fill("#password", "not-the-password")
    page.click("button[type=submit]")
    expect(page.locator("#login-error")).to_have_text("Wrong username or password.")
    expect(page.locator("#password")).to_have_attribute("aria-invalid", "")
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    expect(page).to_have_url(re.compile(r"/board$"))
    expect_live(page)
    page.click("#logout")
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto(f"{server.url}/board")
    expect(page).to_have_url(re.compile(r"/login"))


def test_incident_registered_by_duty_appears_live_on_a_liaisons_board(open_session, server):
    liaison = open_session("psb", path="/board")
    duty = open_session("duty", path="/board")
    title = unique("Workers block the bridge")
    before = liaison.page.locator("#board tbody tr").count()

    duty.page.keyboard.press("n")  # the board's shortcut for a new incident
    dialog = duty.page.locator("dialog[open]")
    expect(dialog).to_be_visible()
    dialog.locator("[name=kind]").select_option("mass_incident")
    dialog.locator("[name=title]").fill(title)
    dialog.locator("[name=category]").select_option("wage_arrears")
    dialog.locator("[name=location]").fill("North bridge")
    dialog.locator("[name=headcount]").fill("150")
    dialog.locator("[name=level]").select_option("I")
    dialog.locator("[name=demands]").fill("Unpaid wages for six months")
    dialog.locator("button[type=submit]").click()
    expect(dialog).to_have_count(0)

    row = board_row(liaison.page, title)
    expect(row).to_be_visible(timeout=WAIT)
    expect(liaison.page.locator("#board tbody tr")).to_have_count(before + 1)
    expect(liaison.page.locator("#board tbody tr").first).to_contain_text(title)  # level I goes to the top
    expect(row).to_contain_text("Reported")
    expect(row).to_contain_text("150")

    # duty edits the headcount from the board: the liaison's row follows
    duty_row = board_row(duty.page, title)
    duty_row.get_by_role("button", name="Edit").click()
    duty.page.locator("dialog[open] [name=headcount]").fill("400")
    duty.page.locator("dialog[open] button[type=submit]").click()
    expect(row.locator("td.num")).to_contain_text("400", timeout=WAIT)
    duty_row.get_by_role("button", name="Status").click()
    duty.page.locator("dialog[open] [name=action]").select_option("respond")
    duty.page.locator("dialog[open] button[type=submit]").click()
    expect(row).to_contain_text("Responding", timeout=WAIT)


def test_board_keyboard_search_and_row_movement(open_session, server):
    title = unique("Keyboard check at the depot")
    register_through_api(server, title, level="IV")
    duty = open_session("duty", path="/board")
    page = duty.page
    page.keyboard.press("/")
    expect(page.locator("#filter-q")).to_be_focused()
    page.keyboard.type(title.split()[-1])
    expect(page.locator("#board tbody tr")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"/board\?q="))  # a reload keeps the filter
    page.reload()
    expect(page.locator("#board tbody tr")).to_have_count(1)
    expect(page.locator("#filter-q")).to_have_value(title.split()[-1])
    page.locator("#filter-q").focus()
    page.keyboard.press("Escape")
    page.keyboard.press("j")
    expect(board_row(page, title)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/incidents/\d+$"))
    expect(page.locator("#incident-head h1")).to_have_text(title)


def test_the_board_exports_what_it_shows(open_session, server):
    title = unique("Export check at the square")
    register_through_api(server, title, level="IV")
    duty = open_session("duty", path="/board")
    page = duty.page
    page.select_option("#filter-level", "IV")
    link = page.locator("#export")
    expect(link).to_have_attribute("href", re.compile(r"level=IV"))
    workbook = page.request.get(server.url + link.get_attribute("href"))
    assert workbook.status == 200
    assert workbook.headers["content-type"].startswith("application/vnd.openxmlformats")
    liaison = open_session("psb", path="/board")
    expect(liaison.page.locator("#export")).to_have_count(0)


def test_task_dispatched_claimed_and_submitted_is_seen_live_by_both(open_session, server):
    title = unique("Crowd at the land office")
    incident = register_through_api(server, title, level="II")
    duty = open_session("duty", path=f"/incidents/{incident['id']}")
    liaison = open_session("psb", path="/queue")
    task_title = unique("Keep the entrance clear")

    duty.page.click("#dispatch-task")
    form = duty.page.locator("dialog[open]")
    form.locator("[name=unit_id]").select_option(label="Public Security")
    form.locator("[name=title]").fill(task_title)
    form.locator("[name=priority]").select_option("urgent")
    form.locator("button[type=submit]").click()
    expect(form).to_have_count(0)
    expect(duty.page.locator("#flash .flash-text")).to_contain_text(task_title)
    assert duty.page.evaluate(UNDER_THE_TOAST) == []  # on a desktop too, the toast covers no button

    queued = liaison.page.locator("#queue-tasks li", has_text=task_title)
    expect(queued).to_be_visible(timeout=WAIT)
    expect(liaison.page.locator("#new-count")).to_have_text("1 new")
    expect(liaison.page).to_have_title(re.compile(r"^\(1\) "))
    duty_task = duty.page.locator("#tasks li", has_text=task_title)
    expect(duty_task).to_contain_text("Dispatched")

    queued.get_by_role("button", name="Claim").click()
    expect(duty_task).to_contain_text("Claimed", timeout=WAIT)
    queued.get_by_role("button", name="Start").click()
    expect(duty_task).to_contain_text("In progress", timeout=WAIT)
    queued.get_by_role("button", name="Submit as done").click()
    liaison.page.locator("dialog[open] [name=note]").fill("Entrance clear; officers stay until dark.")
    liaison.page.locator("dialog[open] button[type=submit]").click()
    expect(duty_task).to_contain_text("Submitted", timeout=WAIT)
    expect(duty.page.locator("#timeline")).to_contain_text("Entrance clear; officers stay until dark.")

    duty_task.get_by_role("button", name="Verify (done)").click()
    expect(duty_task).to_contain_text("Done", timeout=WAIT)
    expect(queued).to_have_count(0, timeout=WAIT)  # a settled task leaves the unit's queue


def test_returned_task_is_rerouted_and_an_extension_is_approved_live(open_session, server):
    incident = register_through_api(server, unique("Dispute over the ferry fares"), level="III")
    http = http_login(server.url, "duty")
    units = {unit["code"]: unit["id"] for unit in http.get(f"{server.url}/api/units", timeout=10).json()["items"]}
    task_title = unique("Explain the fare rules")
    answer = http.post(f"{server.url}/api/incidents/{incident['id']}/tasks", timeout=10,
                       json={"unit_id": units["PSB"], "title": task_title, "priority": "normal"})
    assert answer.status_code == 201, answer.text
    duty = open_session("duty", path=f"/incidents/{incident['id']}")
    police = open_session("psb", path="/queue")
    transport = open_session("em", path="/queue")

    police.page.locator("#queue-tasks li", has_text=task_title).get_by_role("button", name="Return (not our unit)").click()
    police.page.locator("dialog[open] [name=reason]").fill("Fares are set by the transport office, not the police.")
    police.page.locator("dialog[open] button[type=submit]").click()
    duty_task = duty.page.locator("#tasks li", has_text=task_title)
    expect(duty_task).to_contain_text("Returned", timeout=WAIT)
    expect(duty.page.locator("#timeline")).to_contain_text("Fares are set by the transport office")

    duty_task.get_by_role("button", name="Reroute").click()
    duty.page.locator("dialog[open] [name=unit_id]").select_option(label="Emergency Management")
    duty.page.locator("dialog[open] button[type=submit]").click()
    rerouted = transport.page.locator("#queue-tasks li", has_text=task_title)
    expect(rerouted).to_be_visible(timeout=WAIT)
    expect(transport.page.locator("#new-count")).to_have_text("1 new")
    expect(police.page.locator("#queue-tasks li", has_text=task_title)).to_have_count(0)

    rerouted.get_by_role("button", name="Claim").click()
    # the claim is on the page (its version too) before the next step is asked for
    expect(rerouted.get_by_role("button", name="Claim")).to_have_count(0, timeout=WAIT)
    expect(rerouted.get_by_role("button", name="Request extension")).to_be_visible(timeout=WAIT)
    rerouted.get_by_role("button", name="Request extension").click()
    transport.page.locator("dialog[open] button[type=submit]").click()
    expect(transport.page.locator("dialog[open]")).to_have_count(0, timeout=WAIT)  # sent and accepted
    expect(duty_task.get_by_role("button", name="Approve extension")).to_be_visible(timeout=WAIT)
    duty_task.get_by_role("button", name="Approve extension").click()
    expect(duty_task.get_by_role("button", name="Approve extension")).to_have_count(0, timeout=WAIT)
    expect(duty.page.locator("#timeline")).to_contain_text("Extension approved")


def test_leaders_instruction_shows_on_the_board_who_has_not_acknowledged(open_session, server):
    title = unique("Petitioners at the county gate")
    incident = register_through_api(server, title, level="III")
    http = http_login(server.url, "duty")
    units = {unit["code"]: unit["id"] for unit in http.get(f"{server.url}/api/units", timeout=10).json()["items"]}
    dispatched = http.post(f"{server.url}/api/incidents/{incident['id']}/tasks", timeout=10,
                           json={"unit_id": units["LVB"], "title": "Receive the representatives", "priority": "high"})
    assert dispatched.status_code == 201, dispatched.text
    leader = open_session("leader", path="/wall")
    duty = open_session("duty", path="/board")
    liaison = open_session("lvb", path="/queue")

    leader.page.select_option("#instruction-incident", str(incident["id"]))
    leader.page.fill("#instruction-text", "Meet them within the hour and report back.")
    leader.page.click("#instruction-form button[type=submit]")

    row = board_row(duty.page, title)
    expect(row).to_contain_text("2 not acknowledged", timeout=WAIT)  # the lead unit and the command centre
    expect(row.locator("td.unack")).to_contain_text("Letters and Visits")
    expect(row.locator("td.unack")).to_contain_text("Command Centre")
    order = liaison.page.locator("#queue-instructions li", has_text="Meet them within the hour")
    expect(order).to_be_visible(timeout=WAIT)
    expect(order.locator(".ack[data-acknowledged='0']")).to_have_count(2)
    expect(leader.page.locator("#wall-unacked")).to_contain_text("Meet them within the hour")

    order.get_by_role("button", name="Acknowledge").click()
    expect(row).to_contain_text("1 not acknowledged", timeout=WAIT)
    expect(row.locator("td.unack")).not_to_contain_text("Letters and Visits")
    expect(order.locator(".ack[data-acknowledged='1']")).to_contain_text("Letters and Visits")


def test_language_switch_translates_the_page_and_is_remembered(open_session, server):
    duty = open_session("duty", path="/board")
    page = duty.page
    expect(page.locator(".nav a[aria-current=page]")).to_have_text("Board")
    expect(page.locator("#connection")).to_contain_text("Live")
    page.click("a[hreflang=zh]")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator(".nav a[aria-current=page]")).to_have_text("态势看板")
    expect(page.locator("#connection")).to_contain_text("实时", timeout=WAIT)
    expect(page.locator("#filter-level option[value=I]")).to_have_text("Ⅰ级")
    page.goto(f"{server.url}/queue?unit=2")
    expect(page.locator("h1.page-title")).to_have_text("本单位任务")
    page.click("a[hreflang=en]")
    expect(page.locator("h1.page-title")).to_have_text("Unit queue")


def test_browser_language_is_the_default(open_session):
    chinese = open_session("psb", locale="zh-CN", path="/board")
    expect(chinese.page.locator(".nav a[aria-current=page]")).to_have_text("态势看板")
    english = open_session("psb", locale="en-GB", path="/board")
    expect(english.page.locator(".nav a[aria-current=page]")).to_have_text("Board")


def drop_network(session):
    session.context.set_offline(True)
    return lambda: session.context.set_offline(False)


def drop_socket(session):
    """The server end goes away (a restart, a proxy timeout): the transport closes under the page."""
    session.page.evaluate("Live.socket.io.engine.close()")
    return lambda: None


@pytest.mark.parametrize("drop", [drop_network, drop_socket], ids=["network-offline", "socket-closed"])
def test_after_a_drop_the_board_catches_up_by_itself(open_session, server, drop):
    liaison = open_session("hrss", path="/board")
    page = liaison.page
    restore = drop(liaison)
    expect(page.locator("#connection")).not_to_have_attribute("data-state", "live", timeout=WAIT)
    if drop is drop_network:  # long enough away to be told the screen may be out of date
        expect(page.locator("#stale")).to_contain_text("Not live since", timeout=WAIT)
    missed = [unique("Missed while away") for _ in range(3)]
    for title in missed:
        register_through_api(server, title)
    restore()
    expect_live(page)
    for title in missed:
        expect(board_row(page, title)).to_be_visible(timeout=WAIT)
    expect(page.locator("#connection")).to_contain_text("Live")
    expect(page.locator("#stale")).to_be_hidden()


def test_a_lost_push_is_noticed_from_the_heartbeat_and_duplicates_are_dropped(open_session, server):
    """The next push is lost on its way and every other one arrives twice: the page still shows
    each change once, in order, because the heartbeat is ahead of it and it resumes."""
    liaison = open_session("em", path="/board")
    page = liaison.page
    page.evaluate("""() => {
      const [receive] = Live.socket.listeners("event");
      Live.socket.off("event");
      let lose = true;
      Live.socket.on("event", (e) => { if (lose) { lose = false; return; } receive(e); receive(e); });
      window.applied = [];
      Live.on((e) => window.applied.push(e.seq));
    }""")
    lost, second = unique("Lost push"), unique("Pushed twice")
    register_through_api(server, lost)
    expect(board_row(page, lost)).to_be_visible(timeout=WAIT)
    register_through_api(server, second)
    expect(board_row(page, second)).to_have_count(1, timeout=WAIT)
    expect(board_row(page, lost)).to_have_count(1)
    applied = page.evaluate("window.applied")
    assert len(applied) >= 2 and applied == list(range(applied[0], applied[0] + len(applied))), applied


def test_told_to_reload_the_page_says_so_and_offers_the_reload(open_session):
    """Too far behind to replay: the server answers resume with {reload: true}."""
    duty = open_session("duty", locale="zh-CN", path="/board")
    page = duty.page
    page.evaluate("""() => {
      Live.socket.timeout = () => ({ emit: (name, data, answer) => answer(null, { reload: true }) });
      Live.socket.listeners("heartbeat")[0]({ last_seq: Live.lastSeq + 50000 });
    }""")
    indicator = page.locator("#connection")
    expect(indicator).to_have_attribute("data-state", "reload_needed")
    expect(indicator).to_contain_text("需要刷新")
    indicator.get_by_role("button", name="刷新").click()
    expect_live(page)


def test_times_are_shown_in_the_configured_zone_not_the_browsers(open_session, server):
    incident = register_through_api(server, unique("Zone check"), occurred_at="2026-11-20T08:30:00+08:00")
    far = open_session("duty", timezone="America/New_York", path=f"/incidents/{incident['id']}")
    expect(far.page.locator("#facts")).to_contain_text("08:30")  # Asia/Shanghai; New York would read 19:30


def test_representative_numbers_are_masked_and_revealed_only_with_a_reason(open_session, server):
    incident = register_through_api(server, unique("Group visit about compensation"), kind="petition")
    http = http_login(server.url, "duty")
    added = http.post(f"{server.url}/api/incidents/{incident['id']}/representatives",
                      json={"name": "Zhao Min", "id_number": "11010519491231002X", "phone": "13812345678"}, timeout=10)
    assert added.status_code == 201, added.text
    duty = open_session("duty", path=f"/incidents/{incident['id']}")
    rep = duty.page.locator("#representatives li", has_text="Zhao Min")
    expect(rep).to_contain_text("1101")
    expect(rep).not_to_contain_text("11010519491231002X")
    rep.get_by_role("button", name="Reveal").click()
    duty.page.locator("dialog[open] button[type=submit]").click()
    expect(duty.page.locator("dialog[open] [name=reason]")).to_have_attribute("aria-invalid", "true")
    duty.page.locator("dialog[open] [name=reason]").fill("Verifying identity at the reception desk")
    duty.page.locator("dialog[open] button[type=submit]").click()
    expect(rep).to_contain_text("11010519491231002X", timeout=WAIT)

    liaison = open_session("psb", path=f"/incidents/{incident['id']}")
    expect(liaison.page.locator("#representatives li", has_text="Zhao Min")).to_be_visible()
    # the look leaves a trace on the incident's timeline, on every screen, without the number
    expect(liaison.page.locator("#timeline")).to_contain_text("Verifying identity at the reception desk", timeout=WAIT)
    expect(liaison.page.locator("#timeline")).not_to_contain_text("11010519491231002X")
    expect(liaison.page.locator("#representatives button.reveal")).to_have_count(0)


PAGES = [("login", None, "/login"), ("board", "duty", "/board"), ("incident", "duty", "/incidents/1"),
         ("queue", "psb", "/queue"), ("wall", "leader", "/wall"), ("response-plans", "leader", "/response-plans")]


@pytest.mark.parametrize("locale", ["en-GB", "zh-CN"])
def test_every_page_renders_in_both_languages(open_session, server, locale):
    language = locale[:2]
    for name, username, path in PAGES:
        session = open_session(username, locale=locale)
        session.page.goto(server.url + path)
        if username:
            expect_live(session.page)
        expect(session.page.locator("html")).to_have_attribute("lang", "zh-CN" if language == "zh" else "en")
        untranslated = session.page.locator("main").inner_text()
        if language == "zh":
            for english in ("Board", "Unit queue", "Sign in", "Tasks by unit", "Not acknowledged"):
                assert english not in untranslated.replace("Leaders' screen", ""), f"{name}: {english!r} untranslated"
        shoot(session.page, f"{name}-{language}")


# -- the pages' figures and order are the API's (the rules come from the server) ----------------

def _tasks_in_every_state(server, incident_id: int) -> dict:
    """One task in each state that matters for the figures, through the API; returns the units used."""
    duty, http = http_login(server.url, "duty"), {}
    units = {u["code"]: u["id"] for u in duty.get(f"{server.url}/api/units", timeout=10).json()["items"]}
    past = "2020-01-01T08:00:00+08:00"

    def dispatch(code, title, **extra):
        answer = duty.post(f"{server.url}/api/incidents/{incident_id}/tasks", timeout=10, json={
            "unit_id": units[code], "title": title, "priority": extra.pop("priority", "normal"), **extra})
        assert answer.status_code == 201, answer.text
        return answer.json()["id"]

    def act(username, task_id, action, **extra):
        client = http.setdefault(username, http_login(server.url, username))
        answer = client.post(f"{server.url}/api/tasks/{task_id}/transitions", json={"action": action, **extra},
                             timeout=10)
        assert answer.status_code == 200, answer.text

    late_returned = dispatch("HRSS", "Late and returned", due_at=past, past_due_ok=True)
    act("hrss", late_returned, "return", reason="Not ours: the township signs the wage guarantee.")
    dispatch("HRSS", "Late and waiting", due_at=past, past_due_ok=True, priority="low")
    claimed = dispatch("HRSS", "Claimed, urgent", priority="urgent")
    act("hrss", claimed, "claim")
    submitted = dispatch("HRSS", "Handed in late", due_at=past, past_due_ok=True)
    act("hrss", submitted, "claim"), act("hrss", submitted, "start"), act("hrss", submitted, "submit", note="Done.")
    done = dispatch("HRSS", "Verified")
    act("hrss", done, "claim"), act("hrss", done, "start"), act("hrss", done, "submit", note="Done.")
    act("duty", done, "verify")
    escalated = dispatch("PSB", "Pressed three times", co_unit_ids=[units["HRSS"]])
    for n in range(3):
        answer = duty.post(f"{server.url}/api/tasks/{escalated}/supervision-notices", json={"note": f"Notice {n}"},
                           timeout=10)
        assert answer.status_code == 201, answer.text
    return units


def _caught_up(page, server) -> None:
    last = http_login(server.url, "duty").get(f"{server.url}/api/events?limit=1", timeout=10).json()["last_seq"]
    page.wait_for_function("(seq) => Live.lastSeq >= seq", arg=last, timeout=WAIT)


def test_board_wall_and_queue_figures_and_order_equal_the_apis_for_tasks_in_every_state(open_session, server):
    title = unique("Parity")
    incident = register_through_api(server, title)
    board = open_session("duty", path="/board")
    wall = open_session("leader", path="/wall")
    units = _tasks_in_every_state(server, incident["id"])
    queue = open_session("hrss", path="/queue")
    api = http_login(server.url, "duty")
    for session in (board, wall, queue):
        _caught_up(session.page, server)

    listed = {item["id"]: item for item in api.get(f"{server.url}/api/incidents",
                                                  params={"status": "on_board", "limit": 500}, timeout=10).json()["items"]}
    row = listed[incident["id"]]
    assert (row["open_tasks"], row["overdue_tasks"], row["escalated_tasks"]) == (5, 2, 1)  # returned counts as overdue
    for session in (board, wall):
        seen = session.page.evaluate("(id) => { const c = Store.summary().get(id) || {};"
                                     " return [c.open, c.overdue, c.escalated]; }", incident["id"])
        assert seen == [row["open_tasks"], row["overdue_tasks"], row["escalated_tasks"]]
    shown_overdue = sum(item["overdue_tasks"] for item in listed.values())
    expect(wall.page.locator("#wall-tiles .tile-alert .big")).to_have_text(str(shown_overdue))
    cell = board_row(board.page, title).locator("td.counts")
    expect(cell).to_contain_text("5")
    expect(cell.locator(".overdue-pill")).to_contain_text("2")

    ordered = api.get(f"{server.url}/api/tasks", params={"unit_id": units["HRSS"], "status": "open", "limit": 500},
                      timeout=10).json()["items"]
    on_page = queue.page.evaluate("() => [...document.querySelectorAll('#queue-tasks [data-task-id]')]"
                                  ".map((n) => Number(n.dataset.taskId))")
    assert on_page == [task["id"] for task in ordered]
    assert "Late and returned" not in [task["title"] for task in ordered]  # it left the unit's queue
    shoot(board.page, "parity-board")


# -- the scene on a phone: a liaison at 390×844 ------------------------------------------------

UNDER_THE_TOAST = """() => {
  const toast = document.getElementById('flash');
  const a = toast.getBoundingClientRect();
  return [...document.querySelectorAll('button, a.button, [role=button]')]
    .filter((n) => !toast.contains(n) && n.getClientRects().length)
    .filter((n) => { const b = n.getBoundingClientRect();
      return b.left < a.right && b.right > a.left && b.top < a.bottom && b.bottom > a.top; })
    .map((n) => n.outerHTML.slice(0, 90)); }"""
SCENE_WORDS = {
    "en": {"claim": "Claimed", "progress": "Progress note sent to the command centre",
           "headcount": "Headcount reported: 340 people", "people": "340 people",
           "return": "Returned to the command centre for rerouting"},
    "zh": {"claim": "已签收", "progress": "进展已反馈指挥中心", "headcount": "已上报现场人数：340 人", "people": "340 人",
           "return": "已退回指挥中心，待改派"},
}


def _fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0], "the page scrolls sideways"
    assert page.evaluate(TARGETS_TOO_SMALL, "body") == []


def _toast_says(page, text: str) -> None:
    """The toast says what happened and sits over no button; it can be dismissed."""
    expect(page.locator("#flash .flash-text")).to_have_text(text, timeout=WAIT)
    page.evaluate("window.scrollTo(0, 0)")  # the toast is in the sticky top bar, which reserves its own room
    assert page.evaluate(UNDER_THE_TOAST) == []


@pytest.mark.parametrize("locale,username", [("en-GB", "jus"), ("zh-CN", "hlth")])
def test_a_liaison_on_a_phone_claims_reports_from_the_scene_and_returns_a_task(open_session, server, locale,
                                                                               username):
    language = locale[:2]
    words = SCENE_WORDS[language]
    incident = register_through_api(server, unique("Crowd at the hospital gate"), level="II", headcount=120)
    duty = http_login(server.url, "duty")
    units = {unit["code"]: unit["id"] for unit in duty.get(f"{server.url}/api/units", timeout=10).json()["items"]}
    ours, not_ours = unique("Talk to the families"), unique("Clear the car park")
    for title in (ours, not_ours):
        answer = duty.post(f"{server.url}/api/incidents/{incident['id']}/tasks", timeout=10,
                           json={"unit_id": units[username.upper()], "title": title, "priority": "high"})
        assert answer.status_code == 201, answer.text

    liaison = open_session(None, locale=locale, viewport=PHONE, is_mobile=True, has_touch=True)
    page = liaison.page
    page.goto(f"{server.url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    expect(page).to_have_url(re.compile(r"/queue$"))
    expect_live(page)
    expect(page.locator("#connection")).to_be_in_viewport()
    expect(page.locator(".nav a[href='/wall']")).to_have_count(0)  # the leaders' screen is not a liaison's
    # the queue, the board, the unit's own hidden dangers register and its duty roster
    expect(page.locator(".nav a")).to_have_count(4)
    expect(page.locator(".nav a[href='/hidden-dangers']")).to_have_count(1)
    expect(page.locator(".nav a[href='/duty']")).to_have_count(1)
    _fits_the_phone(page)
    shoot(page, f"phone-queue-{language}")

    task = page.locator("#queue-tasks li", has_text=ours)
    task.locator("[data-action=claim]").click()
    _toast_says(page, words["claim"])
    _fits_the_phone(page)

    task.locator("[data-action=progress]").click()
    dialog = page.locator("dialog[open]")
    dialog.locator("[name=note]").fill("Families gathered at the side entrance; two officers talking with them.")
    assert page.evaluate(TARGETS_TOO_SMALL, "dialog[open]") == []
    shoot(page, f"phone-dialog-{language}")
    dialog.locator("button[type=submit]").click()
    _toast_says(page, words["progress"])

    task.locator(".report-headcount").click()
    dialog.locator("[name=headcount]").fill("340")
    dialog.locator("button[type=submit]").click()
    _toast_says(page, words["headcount"])
    expect(task.locator(".incident-headcount")).to_have_text(words["people"], timeout=WAIT)  # from the event
    shoot(page, f"phone-toast-{language}")
    page.locator("#flash .flash-close").click()
    expect(page.locator("#flash")).to_be_hidden()

    returned = page.locator("#queue-tasks li", has_text=not_ours)
    returned.locator("[data-action=return]").click()
    dialog.locator("[name=reason]").fill("Parking is managed by the township, not by us.")
    dialog.locator("button[type=submit]").click()
    _toast_says(page, words["return"])
    expect(returned).to_have_count(0, timeout=WAIT)  # it left the queue until command reroutes it
    expect(page.locator("#queue-tasks li", has_text=ours)).to_be_visible()
    _fits_the_phone(page)
    shoot(page, f"phone-returned-{language}")

    page.goto(f"{server.url}/board")
    expect_live(page)
    _fits_the_phone(page)
    shoot(page, f"phone-board-{language}")

    page.goto(f"{server.url}/incidents/{incident['id']}")
    expect_live(page)
    expect(page.locator("#facts")).to_contain_text("340")
    expect(page.locator("#incident-head .report-headcount")).to_be_visible()
    _fits_the_phone(page)
    shoot(page, f"phone-incident-{language}")


def test_a_liaison_without_work_on_the_incident_is_not_offered_the_headcount(open_session, server):
    incident = register_through_api(server, unique("Quiet square"))
    bystander = open_session("ee", path=f"/incidents/{incident['id']}", viewport=PHONE)
    expect(bystander.page.locator("#incident-head h1")).to_be_visible()
    expect(bystander.page.locator(".report-headcount")).to_have_count(0)
    duty = open_session("duty", path=f"/incidents/{incident['id']}")
    expect(duty.page.locator("#reps-used")).to_have_text("0 / 5 representatives recorded")


# -- the wall across the room: 1920×1080 ---------------------------------------------------------

FONT_PX = "(selector) => [...document.querySelectorAll(selector)].map((n) => parseFloat(getComputedStyle(n).fontSize))"
NAMED_BY_TITLE = """(selector) => [...document.querySelectorAll(selector)].filter((n) => !n.hidden).map((n) => {
  const id = Number(n.dataset.taskId || 0) ? Store.tasks.get(Number(n.dataset.taskId)).incident_id
    : Store.instructions.get(Number(n.dataset.instructionId)).incident_id;
  return [n.querySelector('.wall-incident-name')?.textContent || '', Store.incidents.get(id).title]; })"""


@pytest.mark.parametrize("locale", ["en-GB", "zh-CN"])
def test_the_wall_reads_across_the_room_and_names_incidents_by_title(open_session, server, locale):
    language = locale[:2]
    title = unique("Taxi drivers at the transport bureau")
    incident = register_through_api(server, title, level="I", headcount=60)
    duty = http_login(server.url, "duty")
    units = {unit["code"]: unit["id"] for unit in duty.get(f"{server.url}/api/units", timeout=10).json()["items"]}
    task = duty.post(f"{server.url}/api/incidents/{incident['id']}/tasks", timeout=10,
                     json={"unit_id": units["EM"], "title": unique("Open the hall to the drivers"), "priority": "urgent"})
    assert task.status_code == 201, task.text
    for n in range(3):
        answer = duty.post(f"{server.url}/api/tasks/{task.json()['id']}/supervision-notices", timeout=10,
                           json={"note": f"Notice {n}"})
        assert answer.status_code == 201, answer.text
    leader = open_session("leader", locale=locale, path="/wall", viewport=(1920, 1080))
    page = leader.page
    _caught_up(page, server)

    assert min(page.evaluate(FONT_PX, "#wall-tiles .big")) >= 48
    assert min(page.evaluate(FONT_PX, "#wall-incidents .big-num")) >= 48
    assert min(page.evaluate(FONT_PX, "#wall-incidents .wall-incident")) >= 24
    assert page.evaluate("document.documentElement.scrollHeight") <= 1080, "the wall scrolls"
    assert page.evaluate("document.documentElement.scrollWidth") <= 1920
    expect(page.locator("#wall-escalations")).to_contain_text(title)
    for selector in ("#wall-escalations li[data-task-id]", "#wall-unacked li[data-instruction-id]"):
        named = page.evaluate(NAMED_BY_TITLE, selector)
        assert named and all(shown_title in shown for shown, shown_title in named), named

    # the instruction form starts on the incident the leader looks at, not on the first of the list
    expect(page.locator("#instruction-incident")).to_have_value("")
    page.locator(f"#wall-incidents .wall-incident[data-id='{incident['id']}']").click()
    expect(page.locator("#instruction-incident")).to_have_value(str(incident["id"]))
    expect(page.locator(f"#wall-incidents .wall-incident[data-id='{incident['id']}']")).to_have_class(re.compile("selected"))
    order = unique("Hear the drivers out today.")
    page.fill("#instruction-text", order)
    page.click("#instruction-form button[type=submit]")
    expect(page.locator("#instruction-text")).to_have_value("", timeout=WAIT)
    expect(page.locator("#flash .flash-text")).to_have_text(
        "Instruction issued; the units are asked to acknowledge it" if language == "en" else "批示已下达，待各单位签收")
    assert page.evaluate(UNDER_THE_TOAST) == []
    expect(page.locator("#instruction-incident")).to_have_value(str(incident["id"]))
    instructions = http_login(server.url, "leader").get(f"{server.url}/api/incidents/{incident['id']}", timeout=10)
    assert [x["text"] for x in instructions.json()["instructions"]] == [order]  # on the incident chosen on the wall
    assert page.evaluate("document.documentElement.scrollHeight") <= 1080
    page.screenshot(path=str(SCREENSHOTS / f"wall-1920-{language}.png"))
@pytest.mark.parametrize("locale,out_of_range,check,acted", [
    ("zh-CN", "超出范围：须在 1 到 1000000 之间。", "部分内容有误：请按各项旁的提示修改。", "值班员王立新"),
    ("en-GB", "Out of range: from 1 to 1000000.", "Some fields need correcting: see the message beside each field.",
     "Duty Officer Wang")])
def test_a_refused_form_shows_the_servers_own_words_in_the_pages_language(open_session, server, locale,
                                                                           out_of_range, check, acted):
    duty = open_session("duty", locale=locale, path="/board")
    duty.page.keyboard.press("n")
    dialog = duty.page.locator("dialog[open]")
    dialog.locator("[name=title]").fill(unique("Headcount check"))
    dialog.locator("[name=location]").fill("North bridge")
    dialog.locator("[name=headcount]").fill("0")
    dialog.locator("[name=demands]").fill("Wages")
    dialog.locator("button[type=submit]").click()
    expect(dialog.locator("#f-headcount-error")).to_have_text(out_of_range, timeout=WAIT)
    expect(dialog.locator(".form-error")).to_have_text(check)  # nothing prepended, nothing appended
    shoot(duty.page, f"refused-form-{locale}")
    dialog.locator("button.quiet").click()
    # who acted on the demo's first incident, named in the page's language
    duty.page.goto(f"{server.url}/incidents/1")
    expect(duty.page.locator("#timeline")).to_contain_text(acted, timeout=WAIT)


def test_nothing_hidden_resolve_asks_naming_open_tasks_close_names_them_a_stale_edit_keeps_what_was_typed(
        open_session, server):
    title = unique("Crowd at the bus station")
    incident = register_through_api(server, title)
    http = http_login(server.url, "duty")
    units = {u["code"]: u["id"] for u in http.get(f"{server.url}/api/units", timeout=10).json()["items"]}
    task_title = unique("Talk to the drivers")
    assert http.post(f"{server.url}/api/incidents/{incident['id']}/tasks", timeout=10, json={
        "unit_id": units["PSB"], "title": task_title}).status_code == 201
    duty = open_session("duty", path=f"/incidents/{incident['id']}")
    page = duty.page
    expect(page.locator("#tasks")).to_contain_text(task_title, timeout=WAIT)

    # someone else saves first; what the officer typed stays and what changed is shown
    page.click("#edit-incident")
    dialog = page.locator("dialog[open]")
    dialog.locator("[name=headcount]").fill("450")
    assert http.patch(f"{server.url}/api/incidents/{incident['id']}", timeout=10,
                      json={"version": incident["version"], "title": title + " (east exit)"}).status_code == 200
    dialog.locator("button[type=submit]").click()
    expect(dialog.locator(".form-error")).to_contain_text("Someone saved this incident first", timeout=WAIT)
    expect(dialog.locator(".form-error .changed")).to_contain_text("(east exit)")
    expect(dialog.locator("[name=headcount]")).to_have_value("450")
    dialog.locator("button[type=submit]").click()
    expect(page.locator("dialog[open]")).to_have_count(0, timeout=WAIT)
    saved = http.get(f"{server.url}/api/incidents/{incident['id']}", timeout=10).json()
    assert saved["headcount"] == 450 and saved["title"].endswith("(east exit)")

    # resolving with work open asks first, naming it with a link
    page.click("#change-status")
    dialog = page.locator("dialog[open]")
    dialog.locator("[name=action]").select_option("resolve")
    dialog.locator("button[type=submit]").click()
    expect(dialog.locator(".form-error")).to_contain_text("1 tasks are still open", timeout=WAIT)
    expect(dialog.locator(".form-error a", has_text=task_title)).to_have_attribute("href", re.compile(r"#task-\d+$"))
    dialog.locator("button[type=submit]").click()
    expect(page.locator("dialog[open]")).to_have_count(0, timeout=WAIT)
    assert http.get(f"{server.url}/api/incidents/{incident['id']}", timeout=10).json()["status"] == "resolved"

    # closing is refused by the rule, not as an edit clash, and names the task
    page.click("#change-status")
    dialog = page.locator("dialog[open]")
    dialog.locator("[name=action]").select_option("close")
    dialog.locator("button[type=submit]").click()
    expect(dialog.locator(".form-error a", has_text=task_title)).to_be_visible(timeout=WAIT)
    expect(dialog.locator(".form-error")).not_to_contain_text("Someone saved")
    shoot(page, "close-refused-names-tasks")
    dialog.locator("button.quiet").click()
    # the task of the resolved incident stays on the board while open and late
    board = open_session("duty", path="/board")
    expect(board_row(board.page, title)).to_have_count(0)  # open but not late: the board shows active work
