"""On duty, in a real browser: the county's roster a week at a glance (copying last week is one action), the trail
of who was told on the incident page (step by step while a task stays unclaimed), and a liaison's page in the
background raising a desktop notification, a chime and a count in its title. Both languages, on a phone too."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from .duty_support import GatewayProcess
from .support import http_login, incident_payload, running_server
from .browser import WAIT, expect, expect_live, shoot, unique

pytestmark = pytest.mark.browser
PHONE = (390, 844)
LOCALES = {"zh": "zh-CN", "en": "en-GB"}
WORDS = {
    "zh": {"copy": "复制上周排班", "copied": "已复制上周班次：7 个", "unit": "公安局", "psb": "公安局联络员",
           "trail": "短信发送给公安局联络员（值班人员, 公安局）", "delivered": "已送达", "unclaimed": "未签收 →",
           "head": "短信发送给公安局负责人（单位负责人, 公安局）", "new_task": "新任务"},
    "en": {"copy": "Copy last week", "copied": "Last week's shifts copied: 7", "unit": "Public Security",
           "psb": "Public Security liaison",
           "trail": "SMS to Public Security liaison (on duty, Public Security)", "delivered": "delivered",
           "unclaimed": "unclaimed →", "head": "SMS to Public Security head (unit head, Public Security)",
           "new_task": "New task"},
}


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    process = GatewayProcess(tmp_path_factory.mktemp("gateway"))
    process.start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory, gateway):
    """The demo (work mobiles, heads, this week's shifts) with an SMS gateway and a deadline scan every half
    second, so a step of the escalation is seen within the test."""
    folder = tmp_path_factory.mktemp("duty-pages")
    env = {"DISPATCH_HEARTBEAT_SECONDS": "1", "DISPATCH_SMS_URL": f"{gateway.url}/sms",
           "DISPATCH_OVERDUE_SCAN_SECONDS": "0.5"}
    with running_server(f"sqlite:///{folder / 'pages.db'}", instance_dir=folder, env=env) as running:
        yield running


def units(http, server) -> dict[str, int]:
    return {u["code"]: u["id"] for u in http.get(f"{server.url}/api/units?limit=100", timeout=10).json()["items"]}


@pytest.mark.parametrize("language, weeks_ahead", [("zh", 3), ("en", 5)])
def test_command_sees_the_countys_week_and_copies_last_week_into_it_in_one_action(open_session, server, language,
                                                                                   weeks_ahead):
    http = http_login(server.url, "duty")
    psb = http_login(server.url, "psb")
    psb_id = psb.get(f"{server.url}/api/session", timeout=10).json()["user"]["id"]
    target = datetime.now(timezone.utc) + timedelta(days=7 * weeks_ahead)
    for day in range(7):  # the week before the one shown: a shift a day for PSB's liaison
        start = target - timedelta(days=7 + target.weekday() - day, hours=target.hour - 12)
        answer = psb.post(f"{server.url}/api/units/{units(http, server)['PSB']}/shifts", timeout=10, json={
            "user_id": psb_id, "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=8)).isoformat()})
        assert answer.status_code == 201, answer.text
    duty = open_session("duty", path=f"/duty?lang={language}&week={target.date().isoformat()}",
                        locale=LOCALES[language], viewport=PHONE)
    page, words = duty.page, WORDS[language]
    psb_row = page.locator("#unit-PSB")
    expect(page.locator("#duty-body tr")).to_have_count(12)
    expect(psb_row.locator("th")).to_contain_text(words["unit"])
    expect(psb_row.locator(".shift-chip")).to_have_count(0)
    psb_row.get_by_role("button", name=words["copy"]).focus()  # by keyboard
    page.keyboard.press("Enter")
    expect(page.locator("#flash")).to_contain_text(words["copied"], timeout=WAIT)
    expect(page.locator("#unit-PSB .shift-chip")).to_have_count(7, timeout=WAIT)
    expect(page.locator("#unit-PSB .shift-chip").first).to_contain_text(words["psb"])
    shoot(page, f"duty-roster-phone-{language}")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0] + 1  # the table scrolls in its box


def test_a_liaisons_page_in_the_background_raises_a_desktop_notification_a_chime_and_counts(open_session, server):
    psb = open_session("psb", locale="zh-CN")
    psb.context.grant_permissions(["notifications"], origin=server.url)
    # the browser's notifications as a user's desktop would show them, noted where the test can read them; a
    # headless browser always reports its pages visible and focused, so the page is told it is in the background
    psb.context.add_init_script("""
      window.__looking = false;
      document.hasFocus = () => window.__looking;
      Object.defineProperty(document, "visibilityState", { get: () => (window.__looking ? "visible" : "hidden") });
      window.__shown = [];
      const Real = window.Notification;
      window.Notification = class extends Real {
        constructor(title, options) { super(title, options); window.__shown.push([title, options.body]); }
      };
      localStorage.setItem("dispatch-sound", "on");
    """)
    page = psb.page
    page.goto(f"{server.url}/board?lang=zh")
    expect_live(page)
    http = http_login(server.url, "duty")
    incident = http.post(f"{server.url}/api/incidents", json=incident_payload(title=unique("夜间聚集"), level="IV"),
                         timeout=10).json()
    title = unique("凌晨疏导现场人员")
    http.post(f"{server.url}/api/incidents/{incident['id']}/tasks", timeout=10, json={
        "unit_id": units(http, server)["PSB"], "title": title, "instructions": "", "priority": "urgent",
        "due_at": (datetime.now(timezone.utc) + timedelta(hours=2)).isoformat()})
    expect(page).to_have_title(re.compile(r"^\(1\) "), timeout=WAIT)
    assert page.evaluate("window.__shown") == [[WORDS["zh"]["new_task"], title]]
    assert page.evaluate("Number(document.body.dataset.chimed || 0)") >= 1
    page.evaluate("window.__looking = true; window.dispatchEvent(new Event('focus'))")  # the liaison looks
    expect(page).not_to_have_title(re.compile(r"^\("), timeout=WAIT)


@pytest.mark.parametrize("language, viewport", [("zh", PHONE), ("en", (1280, 900))])
def test_the_incident_page_shows_who_was_told_and_the_step_when_nobody_claimed(open_session, server, gateway,
                                                                              language, viewport):
    http = http_login(server.url, "duty")
    steps = [{"after_seconds": 0, "notify": "on_duty"}, {"after_seconds": 2, "notify": "unit_head"},
             {"after_seconds": 3600, "notify": "command"}]
    assert http.put(f"{server.url}/api/escalation-policies/III", json={"steps": steps}, timeout=10).status_code == 200
    incident = http.post(f"{server.url}/api/incidents", timeout=10,
                         json=incident_payload(title=unique("Trail"), level="III")).json()
    duty = open_session("duty", path=f"/incidents/{incident['id']}?lang={language}", locale=LOCALES[language],
                        viewport=viewport)
    page, words = duty.page, WORDS[language]
    http.post(f"{server.url}/api/incidents/{incident['id']}/tasks", timeout=10, json={
        "unit_id": units(http, server)["PSB"], "title": unique("Keep the square calm"), "instructions": "",
        "priority": "high", "due_at": (datetime.now(timezone.utc) + timedelta(hours=2)).isoformat()})
    trail = page.locator("#notification-trail")
    expect(trail.locator("li").first).to_contain_text(words["trail"], timeout=WAIT)
    expect(trail.locator("li").first).to_contain_text(words["delivered"], timeout=WAIT)
    expect(trail.locator(".trail-step")).to_contain_text(words["unclaimed"], timeout=WAIT)
    expect(trail.locator("li").nth(2)).to_contain_text(words["head"], timeout=WAIT)
    shoot(page, f"duty-trail-{language}-{viewport[0]}")


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_handover_names_what_is_open_and_who_was_told_and_did_not_answer_and_prints(open_session, server,
                                                                                       language):
    http = http_login(server.url, "duty")
    steps = [{"after_seconds": 0, "notify": "on_duty"}, {"after_seconds": 1, "notify": "unit_head"}]
    assert http.put(f"{server.url}/api/escalation-policies/IV", json={"steps": steps}, timeout=10).status_code == 200
    incident = http.post(f"{server.url}/api/incidents", timeout=10,
                         json=incident_payload(title=unique("Handover"), level="IV")).json()
    title = unique("Night watch at the gate")
    unit = units(http, server)["PSB"]
    task = http.post(f"{server.url}/api/incidents/{incident['id']}/tasks", timeout=10, json={
        "unit_id": unit, "title": title, "instructions": "", "priority": "high",
        "due_at": (datetime.now(timezone.utc) + timedelta(hours=2)).isoformat()}).json()
    expect_steps = lambda: {n["step"] for n in http.get(  # noqa: E731
        f"{server.url}/api/notifications?task_id={task['id']}", timeout=10).json()["items"]} == {0, 1}
    deadline = datetime.now(timezone.utc) + timedelta(seconds=20)
    while not expect_steps():
        assert datetime.now(timezone.utc) < deadline, "the unit head's step never fired"
    session = open_session("duty", locale=LOCALES[language], viewport=PHONE if language == "zh" else (1280, 900))
    page = session.page
    page.goto(f"{server.url}/duty/handover?unit={unit}&lang={language}")
    expect(page.locator("#h-open").locator("xpath=..")).to_contain_text(title)
    told = page.locator("#h-silent").locator("xpath=..")
    expect(told).to_contain_text({"zh": "公安局负责人（单位负责人）", "en": "Public Security head (unit head)"}[language]
                                 .replace("（", " (").replace("）", ")"))
    expect(told).to_contain_text(title)
    expect(page.locator("#h-happened").locator("xpath=..")).to_contain_text(title)
    expect(page.locator("#print")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    shoot(page, f"duty-handover-print-{language}")
