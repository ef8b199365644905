"""Attachments: photos and documents on incidents, evidence on tasks; checked by content, stored by hash,
served only as downloads, and a refused upload changes nothing."""
from __future__ import annotations

import hashlib
import io
import os
import stat
import struct
import zipfile
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from dispatch.attachments.models import Attachment
from dispatch.db import db

from .test_task_support import dispatch, events_of, iso, last_seq, new_incident, unit_ids

# Just the bytes each kind starts with, and what makes it that kind: the checks read nothing else.
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(200)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64)
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + bytes(120) + b"PE\x00\x00"
ID_NUMBER, PHONE = "110101195306153019", "13812345678"


GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + bytes(30)
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(40)


def ole(stream: str) -> bytes:
    """The smallest compound file (an old Word/Excel/PowerPoint file's container) holding one empty stream."""
    free, end, fat_sector, none = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF

    def entry(name, kind, child=none):
        encoded = (name + "\0").encode("utf-16-le") if name else b""
        return (encoded.ljust(64, b"\0") + struct.pack("<HBBIII", len(encoded), kind, 1, none, none, child)
                + bytes(36) + struct.pack("<IQ", end, 0))

    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + bytes(6) + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
              + struct.pack("<I", 0) + struct.pack("<I", free) * 108)
    fat = struct.pack("<II", fat_sector, end) + struct.pack("<I", free) * 126
    return header + fat + entry("Root Entry", 5, child=1) + entry(stream, 2) + entry("", 0) + entry("", 0)


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx() -> bytes:
    return zipped({"[Content_Types].xml": b"<Types/>", "_rels/.rels": b"<Relationships/>",
                   "word/document.xml": b"<w:document/>"})


def xlsx() -> bytes:
    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    return buffer.getvalue()


def odt() -> bytes:
    return zipped({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office/>"})


@pytest.fixture
def store(app, tmp_path, monkeypatch):
    """The attachment folder of this test alone."""
    folder = tmp_path / "attachments"
    monkeypatch.setitem(app.config, "ATTACHMENT_DIR", str(folder))
    return folder


@pytest.fixture
def units(duty):
    return unit_ids(duty)


@pytest.fixture
def incident(duty, units, store):
    """An incident with a PSB task co-handled by East Township, and an LVB task."""
    incident = new_incident(duty)
    incident["psb_task"] = dispatch(duty, incident["id"], units["PSB"], co_unit_ids=[units["TWN-E"]])
    incident["lvb_task"] = dispatch(duty, incident["id"], units["LVB"])
    return incident


def upload(client, incident_id, data: bytes, name="photo.png", **fields):
    form = {"file": (io.BytesIO(data), name), **{k: str(v) for k, v in fields.items()}}
    return client.client.post(f"/api/incidents/{incident_id}/attachments", data=form,
                              content_type="multipart/form-data", headers=client._headers(None))


def files_in(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")} if folder.exists() else set()


def count_rows(app) -> int:
    with app.app_context():
        try:
            return db.session.scalar(select(func.count()).select_from(Attachment))
        finally:
            db.session.remove()


def test_a_photo_on_an_incident_is_stored_by_hash_with_its_metadata_and_an_event(duty, incident, store):
    response = upload(duty, incident["id"], PNG, name="scene.png", note="Gate at 9:00")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    sha = hashlib.sha256(PNG).hexdigest()
    assert body["sha256"] == sha and body["size"] == len(PNG) and body["content_type"] == "image/png"
    assert body["name"] == "scene.png" and body["note"] == "Gate at 9:00" and body["task_id"] is None
    assert body["incident_id"] == incident["id"] and body["uploaded_by"] == duty.user["id"] and body["uploaded_at"]
    stored = store / sha[:2] / sha
    assert stored.read_bytes() == PNG
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.stat().st_mode) == 0o700 and stat.S_IMODE(stored.parent.stat().st_mode) == 0o700
    assert files_in(store) == {sha[:2], f"{sha[:2]}/{sha}"}  # no temporary file left behind
    [event] = events_of(duty, "attachment.added")
    assert event["incident_id"] == incident["id"] and event["data"]["attachment"]["id"] == body["id"]
    # that a file was added, by whom, to what: its name, note and hash stay behind the API's permissions
    assert set(event["data"]["attachment"]) == {"id", "incident_id", "task_id", "meeting_id", "uploaded_at",
                                                "uploaded_by", "uploaded_by_name"}
    detail = duty.get(f"/api/incidents/{incident['id']}").get_json()
    assert [a["id"] for a in detail["attachments"]] == [body["id"]]


@pytest.mark.parametrize("name, data, content_type", [
    ("scene.png", PNG, "image/png"),
    ("IMG_0001.JPG", JPEG, "image/jpeg"),
    ("IMG_0002.HEIC", HEIC, "image/heic"),
    ("minutes.pdf", PDF, "application/pdf"),
    ("report.docx", docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("figures.xlsx", xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("notes.odt", odt(), "application/vnd.oasis.opendocument.text"),
    ("map.gif", GIF, "image/gif"),
    ("scene.webp", WEBP, "image/webp"),
    ("old.doc", ole("WordDocument"), "application/msword"),
    ("old.xls", ole("Workbook"), "application/vnd.ms-excel"),
    ("old.ppt", ole("PowerPoint Document"), "application/vnd.ms-powerpoint"),
    ("no extension", PDF, "application/pdf"),  # the content decides, not the name
])
def test_photos_pdf_and_office_documents_are_accepted_by_their_content(duty, incident, name, data, content_type):
    response = upload(duty, incident["id"], data, name=name)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["content_type"] == content_type
    assert response.get_json()["sha256"] == hashlib.sha256(data).hexdigest()


REFUSALS = [
    ("html named like a photo", "photo.png", HTML, 415),
    ("executable", "setup.exe", EXE, 415),
    ("executable named like a document", "report.pdf", EXE, 415),
    ("plain zip", "photos.zip", zipped({"a.txt": b"hello"}), 415),
    ("zip posing as docx", "report.docx", zipped({"[Content_Types].xml": b"<Types/>", "x.xml": b"<x/>"}), 415),
    ("a broken ole file", "old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), 415),
    ("an ole file that is no office document (an installer)", "setup.doc", ole("\x05SummaryInformation"), 415),
    ("text", "notes.txt", "只是文字".encode(), 415),
    ("empty", "empty.png", b"", 422),
    ("over the limit", "big.png", PNG + bytes(5000), 413),
]


@pytest.mark.parametrize("why, name, data, status", REFUSALS, ids=[r[0] for r in REFUSALS])
def test_a_refused_upload_keeps_no_file_no_row_and_no_event(app, duty, incident, store, monkeypatch,
                                                            why, name, data, status):
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", 4096)
    before = (files_in(store), count_rows(app), last_seq(duty))
    response = upload(duty, incident["id"], data, name=name)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["message"]
    assert (files_in(store), count_rows(app), last_seq(duty)) == before


@pytest.mark.parametrize("case, status", [("task of another incident", 422), ("no such task", 422),
                                          ("no file", 422), ("file sent as text", 422),
                                          ("no such incident", 404)])
def test_a_bad_task_or_no_file_is_refused_and_changes_nothing(app, duty, incident, store, case, status):
    other = new_incident(duty, title="Another one")
    foreign = dispatch(duty, other["id"], unit_ids(duty)["HRSS"])
    before = (files_in(store), count_rows(app), last_seq(duty))
    target = 999999 if case == "no such incident" else incident["id"]
    if case in ("no file", "file sent as text"):
        form = {"note": "x", **({"file": "<html>"} if case == "file sent as text" else {})}
        response = duty.client.post(f"/api/incidents/{target}/attachments", data=form,
                                    content_type="multipart/form-data", headers=duty._headers(None))
    else:
        task_id = {"task of another incident": foreign["id"], "no such task": 999999}.get(case)
        response = upload(duty, target, PNG, **({"task_id": task_id} if task_id else {}))
    assert response.status_code == status, response.get_json()
    if status == 422:
        assert set(response.get_json()["error"]["fields"]) & {"task_id", "file"}
    assert (files_in(store), count_rows(app), last_seq(duty)) == before


def hold_meeting(duty, incident_id) -> dict:
    """A meeting with the incident's one representative (as tests/test_meetings.py records them)."""
    rep = duty.post(f"/api/incidents/{incident_id}/representatives",
                    json={"name": "陈建国", "id_number": ID_NUMBER, "phone": PHONE})
    assert rep.status_code == 201, rep.get_json()
    response = duty.post(f"/api/incidents/{incident_id}/meetings", json={
        "held_at": iso(-timedelta(hours=1)), "place": "接谈室",
        "representative_ids": [rep.get_json()["id"]], "raised": "欠薪"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_file_on_a_meeting_carries_the_meeting_and_is_listed_with_the_incident(duty, client_for, incident, store):
    meeting = hold_meeting(duty, incident["id"])
    response = upload(duty, incident["id"], PDF, name="minutes.pdf", meeting_id=meeting["id"])
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert {"id", "name", "size", "content_type", "sha256"} <= set(body)
    assert body["meeting_id"] == meeting["id"] and body["task_id"] is None and body["content_type"] == "application/pdf"
    [event] = events_of(duty, "attachment.added")
    assert event["data"]["attachment"]["meeting_id"] == meeting["id"]
    listed = client_for("leader").get(f"/api/incidents/{incident['id']}/attachments").get_json()["items"]
    assert [(a["id"], a["meeting_id"]) for a in listed] == [(body["id"], meeting["id"])]
    plain = upload(duty, incident["id"], PNG).get_json()
    assert plain["meeting_id"] is None


@pytest.mark.parametrize("case", ["meeting of another incident", "no such meeting", "meeting and task together"])
def test_a_file_on_a_meeting_not_of_this_incident_is_refused_naming_the_field_and_nothing_is_kept(
        app, duty, incident, store, case):
    other = new_incident(duty, title="Another one")
    foreign = hold_meeting(duty, other["id"])
    ours = hold_meeting(duty, incident["id"])
    fields = {"meeting of another incident": {"meeting_id": foreign["id"]},
              "no such meeting": {"meeting_id": 999999},
              "meeting and task together": {"meeting_id": ours["id"], "task_id": incident["psb_task"]["id"]}}[case]
    before = (files_in(store), count_rows(app), last_seq(duty))
    response = upload(duty, incident["id"], PNG, **fields)
    assert response.status_code == 422, response.get_json()
    assert set(response.get_json()["error"]["fields"]) == {"meeting_id"}
    assert (files_in(store), count_rows(app), last_seq(duty)) == before


# who attaches: (user, where) -> status; psb leads the PSB task, twn-e co-handles it, lvb has its own task
WHO_ATTACHES = [
    ("duty", "incident", 201), ("duty", "psb_task", 201),
    ("psb", "incident", 201), ("psb", "psb_task", 201), ("twn-e", "psb_task", 201),
    ("lvb", "psb_task", 403), ("lvb", "lvb_task", 201), ("psb", "lvb_task", 403),
    ("hrss", "incident", 403),  # no task on this incident
    ("leader", "incident", 403), ("admin", "incident", 403),
]


@pytest.mark.parametrize("username, where, status", WHO_ATTACHES)
def test_who_may_attach(app, client_for, incident, store, username, where, status):
    client = client_for(username)
    before = (files_in(store), count_rows(app))
    fields = {} if where == "incident" else {"task_id": incident[where]["id"]}
    response = upload(client, incident["id"], JPEG, name="evidence.jpg", **fields)
    assert response.status_code == status, response.get_json()
    if status != 201:
        assert (files_in(store), count_rows(app)) == before


def test_a_download_is_the_same_bytes_as_an_attachment_never_a_page(duty, incident):
    body = upload(duty, incident["id"], PDF, name="minutes.pdf").get_json()
    response = duty.get(f"/api/attachments/{body['id']}")
    assert response.status_code == 200
    assert response.data == PDF and hashlib.sha256(response.data).hexdigest() == body["sha256"]
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Type"] == "application/pdf"
    policy = response.headers["Content-Security-Policy"]
    assert "sandbox" in policy and "default-src 'none'" in policy
    assert "no-store" in response.headers["Cache-Control"]


# who opens task evidence: command, leaders, the task's units (lead and co-handling) and the uploader
WHO_SEES_EVIDENCE = {"duty": True, "leader": True, "psb": True, "twn-e": True, "lvb": False, "hrss": False,
                     "admin": False}


@pytest.mark.parametrize("username, sees", WHO_SEES_EVIDENCE.items())
def test_task_evidence_is_for_command_leaders_and_the_tasks_units(client_for, incident, username, sees):
    psb = client_for("psb")
    evidence = upload(psb, incident["id"], JPEG, name="evidence.jpg", task_id=incident["psb_task"]["id"]).get_json()
    general = upload(psb, incident["id"], PNG, name="scene.png").get_json()
    client = client_for(username)
    assert client.get(f"/api/attachments/{evidence['id']}").status_code == (200 if sees else 403)
    assert client.get(f"/api/attachments/{general['id']}").status_code == 200
    listed = [a["id"] for a in client.get(f"/api/incidents/{incident['id']}/attachments").get_json()["items"]]
    detail = [a["id"] for a in client.get(f"/api/incidents/{incident['id']}").get_json()["attachments"]]
    expected = [evidence["id"], general["id"]] if sees else [general["id"]]
    assert listed == detail == expected


def test_strangers_and_missing_attachments(anonymous, duty, incident):
    body = upload(duty, incident["id"], PNG).get_json()
    assert anonymous.get(f"/api/attachments/{body['id']}").status_code == 401
    assert anonymous.get(f"/api/incidents/{incident['id']}/attachments").status_code == 401
    assert duty.get("/api/attachments/999999").status_code == 404
    assert duty.get("/api/incidents/999999/attachments").status_code == 404


@pytest.mark.parametrize("raw, kept", [
    ("../../x.html", "x.html"),
    ("..\\..\\windows\\evil.png", None),  # whatever the form's quoting leaves: no folder, no dots
    ("<script>alert(1)</script>.png", "script>.png"),  # the slash ends a folder name
    ("<img src=x onerror=alert(1)>.png", "<img src=x onerror=alert(1)>.png"),
    ("现场照片（东门）.jpg", "现场照片（东门）.jpg"),
    ("tab\there\x7f.png", "tabhere.png"),  # control characters dropped
    (".hidden", "hidden"),
    ("../", "attachment.png"),
])
def test_a_hostile_file_name_is_kept_as_harmless_metadata(duty, incident, store, raw, kept):
    response = upload(duty, incident["id"], PNG, name=raw)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["name"] == kept if kept else body["name"].endswith("evil.png")
    assert not {"/", "\\"} & set(body["name"]) and not body["name"].startswith(".")
    kept = body["name"]
    sha = body["sha256"]
    assert files_in(store) == {sha[:2], f"{sha[:2]}/{sha}"}  # stored by hash, never by name
    assert not any(Path(store.parent, name).exists() for name in ("x.html", "evil.png"))
    download = duty.get(f"/api/attachments/{body['id']}")
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "\n" not in disposition and "\r" not in disposition
    if not kept.isascii():  # RFC 5987 for the Chinese name, a plain one for old clients
        assert "filename*=UTF-8''" in disposition and 'filename="attachment.jpg"' in disposition
    page = duty.get(f"/incidents/{incident['id']}").get_data(as_text=True)
    assert "<img src=x onerror" not in page and "<script>alert(1)" not in page


def test_numbers_in_a_name_or_note_are_masked_in_the_metadata_and_the_log(duty, incident):
    body = upload(duty, incident["id"], PNG, name=f"{ID_NUMBER}.png", note=f"Called {PHONE}").get_json()
    surfaces = [str(body), duty.get(f"/api/incidents/{incident['id']}/attachments").get_data(as_text=True),
                duty.get("/api/events?limit=1000").get_data(as_text=True),
                duty.get(f"/incidents/{incident['id']}").get_data(as_text=True)]
    for text in surfaces:
        assert ID_NUMBER not in text and PHONE not in text
    assert body["name"] == "1101**********3019.png" and body["note"] == "Called 138****5678"


def test_the_same_photo_twice_is_stored_once(duty, incident, store):
    first = upload(duty, incident["id"], PNG, name="a.png").get_json()
    second = upload(duty, incident["id"], PNG, name="b.png").get_json()
    assert first["id"] != second["id"] and first["sha256"] == second["sha256"]
    assert len([p for p in files_in(store) if "/" in p]) == 1


def test_an_upload_may_pass_the_json_limit_but_a_json_body_may_not(app, duty, incident, monkeypatch):
    big = PNG + bytes(int(1.5 * 1024 * 1024))
    response = upload(duty, incident["id"], big, name="big.png")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["size"] == len(big)
    padding = "x" * int(1.5 * 1024 * 1024)
    refused = duty.post(f"/api/incidents/{incident['id']}/instructions", json={"text": padding})
    assert refused.status_code == 413
    refused = duty.post(f"/api/incidents/{incident['id']}/attachments", json={"note": padding})
    assert refused.status_code == 413


def test_the_upload_limit_is_a_setting(app, duty, incident, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", 100)
    assert upload(duty, incident["id"], PNG[:90]).status_code == 201
    assert upload(duty, incident["id"], PNG + bytes(200)).status_code == 413
    # far past the limit: refused by the body's length before the form is read
    assert upload(duty, incident["id"], PNG + bytes(200_000)).status_code == 413
