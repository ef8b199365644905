"""Backups of the SQLite database: taken online, restored whole, with the audit chain intact."""
from __future__ import annotations

import sqlite3
import stat
from contextlib import closing

import pytest
import requests

from dispatch.backup import hold_server_lock

from .support import http_login, incident_payload, running_server

# `backup` and `restore` are SQLite's (PostgreSQL is backed up with pg_dump, docs/operations.md): SQLite alone
pytestmark = pytest.mark.one_backend


@pytest.fixture
def sqlite_app(app):
    if app.config["BACKEND"] != "sqlite":
        pytest.skip("PostgreSQL is backed up with pg_dump (docs/security.md)")
    return app


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_a_restored_backup_has_every_incident_and_event_and_a_verified_chain(sqlite_app, duty, tmp_path):
    kept = [duty.post("/api/incidents", json=incident_payload(title=f"Kept {n}")).get_json() for n in range(5)]
    for incident in kept:
        duty.post(f"/api/incidents/{incident['id']}/transitions", json={"action": "respond"})
    events_then = duty.get("/api/events?limit=1000").get_json()["items"]
    result = run(sqlite_app, "backup", str(tmp_path / "copy.db"))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE((tmp_path / "copy.db").stat().st_mode) == 0o600
    duty.post("/api/incidents", json=incident_payload(title="After the backup"))

    result = run(sqlite_app, "restore", str(tmp_path / "copy.db"))
    assert result.exit_code == 0, result.output
    duty.login("duty")  # the session opened after the backup is not in it
    titles = sorted(row["title"] for row in duty.get("/api/incidents").get_json()["items"])
    assert titles == sorted(incident["title"] for incident in kept)
    assert duty.get("/api/events?limit=1000").get_json()["items"][:len(events_then)] == events_then
    verified = run(sqlite_app, "audit", "verify")
    print(f"\nrestored backup: {len(kept)} incidents, {verified.output.strip()}")
    assert verified.exit_code == 0 and verified.output.startswith(f"{len(events_then)} events verified")


def test_restore_is_refused_while_a_server_holds_the_database(sqlite_app, tmp_path):
    assert run(sqlite_app, "backup", str(tmp_path / "copy.db")).exit_code == 0
    lock = hold_server_lock(sqlite_app.config["DATABASE_URL"])
    try:
        refused = run(sqlite_app, "restore", str(tmp_path / "copy.db"))
    finally:
        lock.close()
    assert refused.exit_code == 1 and "server is running" in refused.output


def test_restore_refuses_a_file_that_is_not_a_backup(sqlite_app, tmp_path):
    (tmp_path / "notes.db").write_text("not a database")
    refused = run(sqlite_app, "restore", str(tmp_path / "notes.db"))
    assert refused.exit_code == 1 and "not a Dispatch backup" in refused.output
    assert run(sqlite_app, "backup", str(tmp_path / "notes.db")).exit_code == 1  # never overwrites


@pytest.mark.servers
def test_a_backup_taken_while_the_real_server_writes_is_consistent_and_restore_waits_for_it_to_stop(tmp_path):
    from dispatch import backup

    url = f"sqlite:///{tmp_path / 'live.db'}"
    with running_server(url, instance_dir=tmp_path) as server:
        duty = http_login(server.url, "duty")
        for n in range(3):
            assert duty.post(f"{server.url}/api/incidents", json=incident_payload(title=f"Live {n}"),
                             timeout=10).status_code == 201
        backup.backup(url, tmp_path / "online.db")
        with pytest.raises(backup.Conflict):
            backup.restore(url, tmp_path / "online.db")
        assert requests.get(f"{server.url}/healthz", timeout=5).status_code == 200
    backup.restore(url, tmp_path / "online.db")  # the server has stopped


def test_a_backup_carries_the_attachment_files_and_a_restore_brings_back_a_lost_one(sqlite_app, duty, tmp_path,
                                                                                   monkeypatch):
    from .test_attachments import PDF, upload

    monkeypatch.setitem(sqlite_app.config, "ATTACHMENT_DIR", str(tmp_path / "attachments"))
    incident = duty.post("/api/incidents", json=incident_payload(title="With a letter")).get_json()
    sent = upload(duty, incident["id"], PDF, name="letter.pdf")
    assert sent.status_code == 201, sent.get_json()
    attachment = sent.get_json()
    assert run(sqlite_app, "backup", str(tmp_path / "copy.db")).exit_code == 0
    stored = tmp_path / "attachments" / attachment["sha256"][:2] / attachment["sha256"]
    assert (tmp_path / "copy.db.attachments" / stored.parent.name / stored.name).read_bytes() == PDF
    stored.unlink()  # the disk that held the files is lost

    result = run(sqlite_app, "restore", str(tmp_path / "copy.db"))
    assert result.exit_code == 0, result.output
    duty.login("duty")
    download = duty.get(f"/api/attachments/{attachment['id']}")
    assert download.status_code == 200 and download.get_data() == PDF


# -- the small ones of issue 24 (finding 8) --------------------------------------------------

def test_restore_refuses_a_backup_whose_chain_is_broken_and_says_why_unless_forced(sqlite_app, duty, tmp_path):
    for n in range(3):
        duty.post("/api/incidents", json=incident_payload(title=f"Kept {n}"))
    assert run(sqlite_app, "backup", str(tmp_path / "copy.db")).exit_code == 0
    with closing(sqlite3.connect(tmp_path / "copy.db")) as copy, copy:
        copy.execute("UPDATE events SET data = '{\"title\": \"nothing happened\"}' WHERE seq = 2")
    duty.post("/api/incidents", json=incident_payload(title="After the backup"))

    refused = run(sqlite_app, "restore", str(tmp_path / "copy.db"))
    assert refused.exit_code == 1
    assert "event log does not verify: broken at seq 2" in refused.output and "--force" in refused.output
    assert "After the backup" in duty.get("/api/incidents").get_data(as_text=True)  # nothing was put back

    forced = run(sqlite_app, "restore", "--force", str(tmp_path / "copy.db"))
    assert forced.exit_code == 0 and "although its event log is broken at seq 2" in forced.output
    duty.login("duty")
    assert "After the backup" not in duty.get("/api/incidents").get_data(as_text=True)


def test_backup_into_a_missing_folder_is_one_clear_line_and_a_failing_exit(sqlite_app, tmp_path):
    result = run(sqlite_app, "backup", str(tmp_path / "no-such-folder" / "copy.db"))
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert result.output.strip() == (f"There is no folder {tmp_path / 'no-such-folder'}: create it first, or name "
                                     "a file in a folder that exists.")
    assert not (tmp_path / "no-such-folder").exists()


def test_restored_attachments_are_readable_by_the_server_alone(sqlite_app, duty, tmp_path, monkeypatch):
    from .test_attachments import PDF, upload

    monkeypatch.setitem(sqlite_app.config, "ATTACHMENT_DIR", str(tmp_path / "attachments"))
    incident = duty.post("/api/incidents", json=incident_payload(title="With a letter")).get_json()
    assert upload(duty, incident["id"], PDF, name="letter.pdf").status_code == 201
    assert run(sqlite_app, "backup", str(tmp_path / "copy.db")).exit_code == 0
    lost = tmp_path / "new-disk" / "attachments"  # the files' disk was replaced: the folder is made again
    monkeypatch.setitem(sqlite_app.config, "ATTACHMENT_DIR", str(lost))
    result = run(sqlite_app, "restore", str(tmp_path / "copy.db"))
    assert result.exit_code == 0, result.output
    folders = [lost, *[path for path in lost.rglob("*") if path.is_dir()]]
    files = [path for path in lost.rglob("*") if path.is_file()]
    assert len(folders) == 2 and len(files) == 1
    assert {oct(stat.S_IMODE(path.stat().st_mode)) for path in folders} == {oct(0o700)}
    assert {oct(stat.S_IMODE(path.stat().st_mode)) for path in files} == {oct(0o600)}
    beside = tmp_path / "copy.db.attachments"
    assert stat.S_IMODE(beside.stat().st_mode) == 0o700
