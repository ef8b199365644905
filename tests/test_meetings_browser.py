"""Meetings with representatives on the incident page, in a real browser: command records a meeting and the
commitments made there, a leader watching the same incident sees them arrive without a reload, and each
commitment says plainly whether it was kept on time. (Fixtures: tests/test_browser.py's server and browser.)

Times come from the server's clock (its `Date` header) or the browser's, never from this process's, which
the suite may move a year ahead (DISPATCH_TEST_CLOCK_SHIFT_DAYS)."""
from __future__ import annotations

import random
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest

from .support import PASSWORD, incident_payload
from .browser import PHONE, SCREENSHOTS, TARGETS_TOO_SMALL, WAIT, expect, shoot, unique

pytestmark = pytest.mark.browser
WIDE = """() => [...document.querySelectorAll('body *')].filter((n) => n.getBoundingClientRect().right > 391)
  .map((n) => n.outerHTML.slice(0, 120)).slice(0, 8)"""

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
WEIGHTS, CHECK = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], "10X98765432"
# the browser's own clock, as the form's datetime-local field wants it, `hours` from now
LOCAL_IN = "(hours) => Time.local(Date.now() + hours * 3600e3)"
WORDS = {
    "en": {"section": "Meetings with representatives", "kept": "Kept on time", "late": "Late", "open": "Open, in time",
           "summary": "Commitments: 2 — 1 kept, 1 late, 0 open",
           "none_present": "Tick the representatives who were there: from 1 to 50."},
    "zh": {"section": "代表座谈", "kept": "按时兑现", "late": "逾期", "open": "未到期",
           "summary": "承诺事项 2 项：按时兑现 1 项，逾期 1 项，未到期 0 项"},
}


def identity_number() -> str:
    """A fresh valid resident identity number (GB 11643 check digit), so no two tests' people are linked."""
    body = f"110101{random.randint(1950, 1999)}0101{random.randint(100, 999)}"
    return body + CHECK[sum(int(d) * w for d, w in zip(body, WEIGHTS)) % 11]


class Api:
    """The JSON API as one user, through a browser context of its own: its cookies live by the browser's clock,
    which is the server's, whatever this process's clock says."""

    def __init__(self, browser, server, username: str):
        self.base, self.context = server.url, browser.new_context()
        answer = self.context.request.post(f"{self.base}/api/session",
                                           data={"username": username, "password": PASSWORD})
        assert answer.ok, answer.text()
        self.headers = {"X-CSRF-Token": answer.json()["csrf_token"]}

    def get(self, path: str) -> dict:
        answer = self.context.request.get(self.base + path)
        assert answer.ok, answer.text()
        return answer.json()

    def post(self, path: str, body: dict) -> dict:
        answer = self.context.request.post(self.base + path, data=body, headers=self.headers)
        assert answer.status in (200, 201), answer.text()
        return answer.json()

    def now(self) -> datetime:
        return parsedate_to_datetime(self.context.request.get(f"{self.base}/healthz").headers["date"])


@pytest.fixture
def api(browser, server):
    """api("duty") -> the API as duty (one context per user, closed after the test)."""
    made: dict[str, Api] = {}
    yield lambda username: made.setdefault(username, Api(browser, server, username))
    for each in made.values():
        each.context.close()


def scene(api, *, meeting=False):
    """An incident with two representatives and an HRSS task; with `meeting`, a meeting held an hour ago with a
    commitment whose task HRSS finished in time and one already past its time limit."""
    duty = api("duty")
    now = duty.now()
    units = {u["code"]: u["id"] for u in duty.get("/api/units")["items"]}
    incident = duty.post("/api/incidents", incident_payload(
        title=unique("Wage arrears at the brickworks"), occurred_at=(now - timedelta(hours=3)).isoformat()))
    base = f"/api/incidents/{incident['id']}"
    reps = [duty.post(f"{base}/representatives", {"name": name, "id_number": identity_number(), "phone": "13912345678"})
            for name in ("陈建国", "王秀兰")]
    duty.post(f"{base}/tasks", {"unit_id": units["HRSS"], "title": unique("Count the arrears"), "priority": "high"})
    found = {"incident": incident, "reps": reps, "units": units}
    if not meeting:
        return found
    held = duty.post(f"{base}/meetings", {
        "held_at": (now - timedelta(hours=1)).isoformat(), "place": unique("Letters and Visits, room 2"),
        "representative_ids": [r["id"] for r in reps], "unit_ids": [units["HRSS"], units["LVB"]],
        "raised": "Wages unpaid since spring.", "answered": "HRSS publishes the amounts within three days."})
    kept = duty.post(f"/api/meetings/{held['id']}/commitments", {
        "text": "Publish the amounts owed", "unit_id": units["HRSS"], "due_at": (now + timedelta(days=3)).isoformat()})
    late = duty.post(f"/api/meetings/{held['id']}/commitments", {
        "text": "Answer the group the same day", "unit_id": units["LVB"],
        "due_at": (now - timedelta(minutes=30)).isoformat(), "past_due_ok": True})
    finish(api, kept["task_id"], "hrss")
    return {**found, "meeting": held, "kept": kept, "late": late}


def finish(api, task_id: int, username: str) -> None:
    """The unit claims, starts and submits the task; command verifies it done."""
    for action in ("claim", "start", "submit"):
        api(username).post(f"/api/tasks/{task_id}/transitions",
                           {"action": action, **({"note": "Done."} if action == "submit" else {})})
    api("duty").post(f"/api/tasks/{task_id}/transitions", {"action": "verify"})


def section(page, name: str) -> None:
    """The meetings section alone, to look at closely."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("section[aria-labelledby=h-meetings]").screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def commitment(page, text: str):
    return page.locator("#meetings li.commitment", has_text=text)


def test_command_records_a_meeting_and_two_commitments_and_a_leader_sees_them_live(open_session, server, api):
    found = scene(api)
    incident = found["incident"]
    path = f"/incidents/{incident['id']}"
    leader = open_session("leader", path=path)
    leader.page.evaluate("window.notReloaded = true")
    duty = open_session("duty", path=path)
    page = duty.page
    expect(page.locator("#meetings")).to_contain_text("No meeting with the representatives recorded yet.")
    expect(page.locator("#commitments-summary")).to_be_hidden()

    # by keyboard: the button, then field by field; the representatives and the working unit come ticked
    page.locator("#record-meeting").focus()
    page.keyboard.press("Enter")
    dialog = page.locator("dialog[open]")
    expect(dialog.locator("#f-held_at")).to_be_focused()
    assert dialog.locator("#f-held_at").input_value()  # now, by default
    expect(dialog.locator("label[for=f-place]")).to_contain_text("Place")
    checks = dialog.locator("#f-representative_ids input[type=checkbox]")
    expect(checks).to_have_count(2)
    assert all(checks.nth(i).is_checked() for i in range(2))
    hrss = dialog.locator(f"#f-unit_ids input[value='{found['units']['HRSS']}']")
    expect(hrss).to_be_checked()
    place = unique("Letters and Visits, room 2")
    for _ in range(8):  # through the date and time's own parts (day, month, year, hour, minute) and its picker
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "f-place":
            break
    expect(dialog.locator("#f-place")).to_be_focused()
    page.keyboard.type(place)
    dialog.locator(f"#f-unit_ids input[value='{found['units']['LVB']}']").focus()
    page.keyboard.press("Space")
    dialog.locator("#f-raised").focus()
    page.keyboard.type("Wages unpaid since spring; the group asks for the amounts in writing.")
    page.keyboard.press("Tab")
    page.keyboard.type("HRSS publishes the amounts within three days.")
    # a meeting not yet held: the server's word, beside the field it names
    dialog.locator("#f-held_at").fill(page.evaluate(LOCAL_IN, 24))
    dialog.locator("button[type=submit]").focus()
    page.keyboard.press("Enter")
    expect(dialog.locator("#f-held_at-error")).to_contain_text("in the future", timeout=WAIT)
    expect(dialog.locator("#f-held_at")).to_have_attribute("aria-invalid", "true")
    dialog.locator("#f-held_at").fill(page.evaluate(LOCAL_IN, -1))
    dialog.locator("button[type=submit]").focus()
    page.keyboard.press("Enter")
    expect(dialog).to_have_count(0, timeout=WAIT)

    seen = leader.page.locator("#meetings li.meeting", has_text=place)
    expect(seen).to_be_visible(timeout=WAIT)
    expect(seen.locator(".reps-present")).to_have_text("陈建国、王秀兰")
    expect(seen.locator(".units-present")).to_contain_text("Human Resources")
    expect(seen.locator(".units-present")).to_contain_text("Letters and Visits")
    expect(seen.locator(".raised")).to_contain_text("amounts in writing")
    expect(leader.page.locator("#timeline li[data-type='meeting.held']")).to_contain_text(place)
    expect(leader.page.locator("#record-meeting, .add-commitment, .attach-meeting")).to_have_count(0)

    # the first commitment with the mouse: due in two days
    meeting = page.locator("#meetings li.meeting", has_text=place)
    meeting.locator(".add-commitment").click()
    dialog.locator("#f-text").fill("Publish the amounts owed to each worker")
    dialog.locator("#f-unit_id").select_option(str(found["units"]["HRSS"]))
    dialog.locator("#f-due_at").fill(page.evaluate(LOCAL_IN, 48))
    dialog.locator("button[type=submit]").click()
    expect(dialog).to_have_count(0, timeout=WAIT)
    expect(page.locator("#flash .flash-text")).to_contain_text("Commitment made", timeout=WAIT)

    expect(commitment(page, "Publish the amounts owed")).to_be_visible(timeout=WAIT)

    # the second by keyboard: a promise whose time limit already passed (recorded late)
    meeting.locator(".add-commitment").focus()
    page.keyboard.press("Enter")
    expect(dialog.locator("#f-text")).to_be_focused()
    page.keyboard.type("Answer the group the same day")
    page.keyboard.press("Tab")
    expect(dialog.locator("#f-unit_id")).to_be_focused()
    dialog.locator("#f-unit_id").select_option(str(found["units"]["LVB"]))
    dialog.locator("#f-due_at").fill(page.evaluate(LOCAL_IN, -2))
    dialog.locator("#f-past_due_ok").focus()
    page.keyboard.press("Space")
    dialog.locator("#f-due_at").press("Enter")
    expect(dialog).to_have_count(0, timeout=WAIT)

    on_time, late = (commitment(leader.page, "Publish the amounts owed"),
                     commitment(leader.page, "Answer the group the same day"))
    expect(on_time.locator(".kept")).to_have_text("○ Open, in time", timeout=WAIT)
    expect(late.locator(".kept")).to_have_text("! Late", timeout=WAIT)
    expect(late).to_contain_text("Letters and Visits")
    expect(late.locator(".tstatus")).to_have_text("Dispatched")
    expect(leader.page.locator("#commitments-summary")).to_have_text("Commitments: 2 — 0 kept, 1 late, 1 open")

    # the unit does the first in time: kept, on every page, without a reload
    task_id = int(on_time.get_attribute("data-task-id"))
    finish(api, task_id, "hrss")
    expect(on_time.locator(".kept")).to_have_text("✓ Kept on time", timeout=WAIT)
    expect(on_time.locator(".tstatus")).to_have_text("Done")
    expect(leader.page.locator("#commitments-summary")).to_have_text(WORDS["en"]["summary"], timeout=WAIT)
    expect(commitment(page, "Publish the amounts owed").locator(".kept")).to_have_text("✓ Kept on time", timeout=WAIT)
    assert leader.page.evaluate("window.notReloaded") is True

    # the minutes, attached under the meeting, appear under it for the leader
    meeting.locator(".attach-meeting").click()
    dialog.locator("#attach-file").set_input_files({"name": "minutes.pdf", "mimeType": "application/pdf",
                                                    "buffer": PDF})
    dialog.locator("button[type=submit]").click()
    expect(dialog).to_have_count(0, timeout=WAIT)
    expect(seen.locator(".meeting-files li.attachment")).to_contain_text("minutes.pdf", timeout=WAIT)
    expect(leader.page.locator("#attachments li.attachment", has_text="minutes.pdf")).to_contain_text(
        "On a meeting with representatives")
    shoot(page, "meetings-command-desktop")
    section(leader.page, "meetings-leader-section")
    shoot(leader.page, "meetings-leader-desktop")


@pytest.mark.parametrize("locale", ["en-GB", "zh-CN"])
def test_a_liaison_sees_the_meetings_but_no_forms_in_either_language(open_session, server, api, locale):
    found = scene(api, meeting=True)
    words = WORDS[locale[:2]]
    liaison = open_session("hrss", locale=locale, path=f"/incidents/{found['incident']['id']}")
    page = liaison.page
    expect(page.locator("#h-meetings")).to_have_text(words["section"])
    expect(page.locator("#commitments-summary")).to_have_text(words["summary"])
    expect(commitment(page, "Publish the amounts owed").locator(".kept")).to_have_text(f"✓ {words['kept']}")
    expect(commitment(page, "Answer the group the same day").locator(".kept")).to_have_text(f"! {words['late']}")
    expect(page.locator("#record-meeting, .add-commitment, .attach-meeting")).to_have_count(0)
    expect(page.locator("#meetings li.meeting .reps-present")).to_have_text("陈建国、王秀兰")
    page.locator("#meetings").scroll_into_view_if_needed()
    shoot(page, f"meetings-liaison-{locale[:2]}")


@pytest.mark.parametrize("locale", ["en-GB", "zh-CN"])
def test_command_on_a_phone_reads_the_meetings_and_is_told_beside_the_field_what_is_missing(open_session, server,
                                                                                            api, locale):
    found = scene(api, meeting=True)
    duty = open_session("duty", locale=locale, path=f"/incidents/{found['incident']['id']}", viewport=PHONE,
                        is_mobile=True, has_touch=True)
    page = duty.page
    expect(page.locator("#meetings li.meeting")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0], page.evaluate(WIDE)
    assert page.evaluate(TARGETS_TOO_SMALL, "#meetings") == []
    shoot(page, f"meetings-phone-{locale[:2]}")
    section(page, f"meetings-phone-section-{locale[:2]}")

    page.locator("#record-meeting").click()
    dialog = page.locator("dialog[open]")
    dialog.locator("#f-place").fill("Township hall")
    dialog.locator("#f-raised").fill("Same demands as before.")
    for box in dialog.locator("#f-representative_ids input").all():
        box.uncheck()
    assert page.evaluate(TARGETS_TOO_SMALL, "dialog[open]") == []
    dialog.locator("button[type=submit]").click()
    said = dialog.locator("#f-representative_ids-error")
    expect(said).not_to_be_empty(timeout=WAIT)
    if locale == "en-GB":
        expect(said).to_contain_text(WORDS["en"]["none_present"])
    else:
        expect(said).to_have_text("请勾选出席的信访代表：1 至 50 人。")
    shoot(page, f"meetings-phone-form-{locale[:2]}")
    dialog.locator("button.quiet").click()
    expect(page.locator("#meetings li.meeting")).to_have_count(1)


def test_an_open_commitment_turns_late_on_the_page_when_its_time_limit_passes(open_session, server, api):
    """No event marks the moment a time limit passes: the page asks the server once it has."""
    found = scene(api, meeting=True)
    duty = api("duty")
    duty.post(f"/api/meetings/{found['meeting']['id']}/commitments", {
        "text": "Call back within seconds", "unit_id": found["units"]["LVB"],
        "due_at": (duty.now() + timedelta(seconds=12)).isoformat()})
    leader = open_session("leader", path=f"/incidents/{found['incident']['id']}")
    badge = commitment(leader.page, "Call back within seconds").locator(".kept")
    expect(badge).to_have_text("○ Open, in time")
    expect(badge).to_have_text("! Late", timeout=25_000)
    expect(leader.page.locator("#commitments-summary")).to_have_text("Commitments: 3 — 1 kept, 2 late, 0 open")
