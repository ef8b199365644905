"""Attachments in a real browser: a liaison on a phone sends a photo with their task's submission, and the
command centre's incident page shows it without a reload. (Fixtures: tests/test_browser.py's server and
browser; run with the other browser tests.)"""
from __future__ import annotations

import hashlib

import pytest

from .support import http_login
from .browser import PHONE, TARGETS_TOO_SMALL, WAIT, expect, register_through_api, shoot, unique

pytestmark = pytest.mark.browser

PHOTO = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(200))


def test_a_liaison_on_a_phone_sends_a_photo_with_the_submission_and_command_sees_it_live(open_session, server):
    incident = register_through_api(server, unique("Crowd at the bus station"), level="II")
    duty_http, psb_http = http_login(server.url, "duty"), http_login(server.url, "psb")
    units = {u["code"]: u["id"] for u in duty_http.get(f"{server.url}/api/units", timeout=10).json()["items"]}
    title = unique("Keep the platforms clear")
    task = duty_http.post(f"{server.url}/api/incidents/{incident['id']}/tasks", timeout=10,
                          json={"unit_id": units["PSB"], "title": title, "priority": "high"}).json()
    for action in ("claim", "start"):
        answer = psb_http.post(f"{server.url}/api/tasks/{task['id']}/transitions", json={"action": action}, timeout=10)
        assert answer.status_code == 200, answer.text

    duty = open_session("duty", path=f"/incidents/{incident['id']}")
    other = open_session("hrss", path=f"/incidents/{incident['id']}")  # a unit with no part in the task
    expect(duty.page.locator("#attachments")).to_contain_text("No attachments yet.")
    liaison = open_session("psb", path="/queue", viewport=PHONE, is_mobile=True, has_touch=True)
    page = liaison.page
    queued = page.locator("#queue-tasks li", has_text=title)
    expect(queued.locator(".attach-evidence")).to_be_visible()
    queued.locator("[data-action=submit]").click()
    dialog = page.locator("dialog[open]")
    camera = dialog.locator("input[type=file][capture=environment]")
    expect(camera).to_have_attribute("accept", "image/*")
    expect(dialog.locator("label[for=attach-camera]")).to_have_text("Take photo")
    camera.set_input_files({"name": "IMG_2041.png", "mimeType": "image/png", "buffer": PHOTO})
    dialog.locator("[name=note]").fill("Platforms clear; photo of platform 2.")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0], "the dialog scrolls sideways"
    assert page.evaluate(TARGETS_TOO_SMALL, "dialog[open]") == []
    shoot(page, "phone-submit-with-photo")
    dialog.locator("button[type=submit]").click()
    expect(dialog).to_have_count(0, timeout=WAIT)

    shown = duty.page.locator("#attachments li.attachment", has_text="IMG_2041.png")
    expect(shown).to_be_visible(timeout=WAIT)
    expect(shown).to_contain_text(title)  # evidence for the task
    expect(duty.page.locator("#tasks li", has_text=title)).to_contain_text("Submitted", timeout=WAIT)
    expect(duty.page.locator("#timeline li[data-type='attachment.added']")).to_contain_text("IMG_2041.png")
    shoot(duty.page, "incident-attachments")
    link = shown.locator("a.attachment-name")
    expect(link).to_have_attribute("download", "IMG_2041.png")
    download = duty.context.request.get(server.url + link.get_attribute("href"))
    assert download.ok and download.body() == PHOTO
    assert download.headers["content-disposition"].startswith("attachment")
    assert hashlib.sha256(download.body()).hexdigest() == psb_http.get(
        f"{server.url}/api/incidents/{incident['id']}/attachments", timeout=10).json()["items"][0]["sha256"]
    # another unit's liaison is told live that a file was added, never its name
    added = other.page.locator("#timeline li[data-type='attachment.added']")
    expect(added).to_be_visible(timeout=WAIT)
    expect(added).not_to_contain_text("IMG_2041")
    expect(other.page.locator("#attachments")).not_to_contain_text("IMG_2041")
    shoot(other.page, "incident-evidence-of-another-unit")
