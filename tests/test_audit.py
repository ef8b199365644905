"""The event log proves itself: `flask --app wsgi audit verify` finds any row changed, removed or slipped in."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, select, text

from dispatch.db import db, driver_url
from dispatch.events import CHAINED_FIELDS, GENESIS, Event, chain_hash
from dispatch.migrate import alembic_config, upgrade

from .support import ROOT, another_app, fresh_postgres_database, http_login, incident_payload, running_server


def make_changes(duty, count=3) -> None:
    for n in range(count):
        incident = duty.post("/api/incidents", json=incident_payload(title=f"Gathering {n}")).get_json()
        duty.post(f"/api/incidents/{incident['id']}/transitions", json={"action": "respond"})


def audit(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def tamper(app, sql: str) -> None:
    with app.app_context():
        db.session.execute(text(sql))
        db.session.commit()
        db.session.remove()


def test_an_untouched_log_verifies_and_says_how_many_events(app, duty):
    make_changes(duty)
    result = audit(app)
    print(f"\naudit verify: {result.output.strip()}")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("6 events verified; last hash ")


def test_an_empty_log_verifies(app):
    result = audit(app)
    assert result.exit_code == 0 and result.output.startswith("0 events verified")


@pytest.mark.parametrize("what,sql,broken", [
    ("a row changed", "UPDATE events SET data = '{\"title\": \"nothing happened\"}' WHERE seq = 3", 3),
    ("the actor changed", "UPDATE events SET actor_name = 'someone else' WHERE seq = 2", 2),
    ("a row removed", "DELETE FROM events WHERE seq = 4", 4),
    ("the last row removed", "DELETE FROM events WHERE seq = 6", 6),
    ("a row slipped in past the counter",
     "INSERT INTO events (seq, type, at, data, hash) VALUES (7, 'incident.closed', '2026-12-01 00:00:00', '{}', "
     "'" + "ab" * 32 + "')", 7),
    ("a type changed", "UPDATE events SET type = 'incident.closed' WHERE seq = 5", 5),
])
def test_a_log_tampered_with_outside_the_application_names_the_first_broken_seq(app, duty, what, sql, broken):
    make_changes(duty)
    tamper(app, sql)
    result = audit(app)
    assert result.exit_code == 1, result.output
    assert f"audit chain broken at seq {broken}:" in result.output


def test_a_rewritten_row_with_a_recomputed_hash_still_breaks_the_next_one(app, duty):
    make_changes(duty)
    with app.app_context():
        rows = list(db.session.scalars(select(Event).order_by(Event.seq)))
        forged = rows[1].chained_fields() | {"data": {"title": "nothing happened"}}
        new_hash = chain_hash(rows[0].hash, forged)
        db.session.remove()
    tamper(app, f"UPDATE events SET data = '{{\"title\": \"nothing happened\"}}', hash = '{new_hash}' WHERE seq = 2")
    result = audit(app)  # the head anchored outside the database names the rewritten row itself
    assert result.exit_code == 1 and "audit chain broken at seq 2:" in result.output
    Path(app.config["AUDIT_ANCHOR"]).unlink()  # without it, the chain alone breaks at the next row
    result = audit(app)
    assert result.exit_code == 1 and "audit chain broken at seq 3:" in result.output


# -- the head anchored outside the database (issue 24, finding 7) ------------------------------

def recompute_from(app, seq: int) -> None:
    """What an insider with the database (and this code) can do: change a row and rewrite every hash after it,
    so that the chain verifies again from the first event to the last."""
    with app.app_context():
        db.session.execute(text("UPDATE events SET data = '{\"title\": \"nothing happened\"}' WHERE seq = :seq"),
                           {"seq": seq})
        rows = db.session.execute(select(*[getattr(Event, name) for name in CHAINED_FIELDS], Event.hash)
                                  .order_by(Event.seq)).all()
        previous = GENESIS
        for row in rows:
            previous_hash = chain_hash(previous, row._mapping) if row.seq >= seq else row.hash
            if row.seq >= seq:
                db.session.execute(text("UPDATE events SET hash = :hash WHERE seq = :seq"),
                                   {"hash": previous_hash, "seq": row.seq})
            previous = previous_hash
        db.session.commit()
        db.session.remove()


def cut_end(app, keep: int) -> None:
    """The log's last events deleted and the counter set back: the chain that is left verifies."""
    tamper(app, f"DELETE FROM events WHERE seq > {keep}")
    tamper(app, f"UPDATE event_counter SET last_seq = {keep}")


@pytest.mark.parametrize("what, change, broken", [
    ("the log cut at its end", lambda app: cut_end(app, 4), 5),
    ("every hash recomputed from seq 3 on", lambda app: recompute_from(app, 3), 3),
])
def test_a_log_rewritten_so_that_its_chain_holds_is_caught_by_the_anchored_heads(app, duty, what, change, broken):
    make_changes(duty)
    change(app)
    anchor = Path(app.config["AUDIT_ANCHOR"])
    kept = anchor.read_text()
    anchor.unlink()
    assert audit(app).exit_code == 0, f"{what}: the chain alone cannot tell"
    anchor.write_text(kept)
    result = audit(app)
    assert result.exit_code == 1, result.output
    assert f"audit chain broken at seq {broken}:" in result.output, result.output


def test_each_commit_anchors_the_logs_head_in_a_file_only_the_server_reads(app, duty):
    make_changes(duty)
    anchor = Path(app.config["AUDIT_ANCHOR"])
    with app.app_context():
        hashes = dict(db.session.execute(select(Event.seq, Event.hash)).all())
        db.session.remove()
    lines = [line.split() for line in anchor.read_text().splitlines()]
    assert [int(seq) for seq, _ in lines] == [1, 2, 3, 4, 5, 6]  # one line per commit, each its head
    assert all(hashes[int(seq)] == digest for seq, digest in lines)
    assert stat.S_IMODE(anchor.stat().st_mode) == 0o600
    result = audit(app)
    assert result.exit_code == 0 and "6 heads anchored" in result.output


@pytest.mark.long
@pytest.mark.servers
def test_the_real_servers_anchor_their_commits_and_verify_catches_the_cut_end(tmp_path):
    """Two server processes on one database: each anchors its own commits; the log cut after they stop is found."""
    url = f"sqlite:///{tmp_path / 'dispatch.db'}"
    with running_server(url, instance_dir=tmp_path) as first, running_server(url, instance_dir=tmp_path) as second:
        for n, server in enumerate((first, second, first, second)):
            duty = http_login(server.url, "duty")
            assert duty.post(f"{server.url}/api/incidents", json=incident_payload(title=f"Gate {n}"),
                             timeout=10).status_code == 201
        last = duty.get(f"{second.url}/api/events?limit=1", timeout=10).json()["last_seq"]
    anchored_seqs = [int(line.split()[0]) for line in (tmp_path / "audit-anchor").read_text().splitlines()]
    assert max(anchored_seqs) == last and len(set(anchored_seqs)) == len(anchored_seqs)
    env = {**os.environ, "DATABASE_URL": url, "DISPATCH_INSTANCE_DIR": str(tmp_path)}
    verify = [sys.executable, "-m", "flask", "--app", "wsgi", "audit", "verify"]
    assert subprocess.run(verify, cwd=ROOT, env=env, capture_output=True, timeout=60).returncode == 0
    engine = create_engine(driver_url(url))
    with engine.begin() as conn:  # the last two incidents never happened, says the database
        conn.execute(text(f"DELETE FROM events WHERE seq > {last - 2}"))
        conn.execute(text(f"UPDATE event_counter SET last_seq = {last - 2}"))
    engine.dispose()
    done = subprocess.run(verify, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"audit chain broken at seq {last - 1}:" in done.stderr, done.stderr


def test_the_application_never_changes_or_removes_an_event(app, duty, ctx):
    make_changes(duty, 1)
    event = db.session.get(Event, 1)
    event.type = "incident.closed"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.delete(db.session.get(Event, 1))
        db.session.flush()
    db.session.rollback()
    from sqlalchemy import delete

    with pytest.raises(RuntimeError, match="append-only"):
        db.session.execute(delete(Event).where(Event.seq == 1))
    db.session.rollback()


@pytest.fixture(params=["sqlite", "postgresql"])
def old_database(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'old.db'}"
    return fresh_postgres_database("dispatch_chain_migration")


def test_the_migration_chains_the_events_already_in_the_log(old_database, tmp_path):
    command.upgrade(alembic_config(old_database), "0003_tasks")
    engine = create_engine(driver_url(old_database))
    with engine.begin() as conn:
        for seq in (1, 2, 3):
            conn.execute(text("INSERT INTO events (seq, type, at, incident_id, data) VALUES "
                              "(:seq, 'incident.updated', '2026-11-24 08:30:00.250000+00:00', 1, :data)"),
                         {"seq": seq, "data": f'{{"headcount": {seq * 100}, "note": "第{seq}次"}}'})
        conn.execute(text("UPDATE event_counter SET last_seq = 3"))
    upgrade(old_database)
    with engine.connect() as conn:
        hashes = [row.hash for row in conn.execute(text("SELECT hash FROM events ORDER BY seq"))]
    engine.dispose()
    with another_app(old_database, AUDIT_ANCHOR=str(tmp_path / "audit-anchor")) as migrated:
        with migrated.app_context():
            rows = list(db.session.scalars(select(Event).order_by(Event.seq)))
            previous = GENESIS
            for row in rows:
                assert row.hash == chain_hash(previous, row.chained_fields())
                previous = row.hash
            db.session.remove()
        result = migrated.test_cli_runner().invoke(args=["audit", "verify"])
    assert len(set(hashes)) == 3
    assert result.exit_code == 0 and result.output.startswith("3 events verified")


@pytest.mark.parametrize("lang, words", [("en", "Event log head seen: seq"), ("zh", "事件日志链头")])
def test_each_published_report_prints_the_head_it_saw_in_its_pdf_footer(app, duty, leader, tmp_path, lang, words):
    make_changes(duty)
    incident_id = duty.get("/api/incidents").get_json()["items"][0]["id"]
    published = duty.post(f"/api/incidents/{incident_id}/reports", json={"kind": "initial", "next_steps": "Talk"})
    assert published.status_code == 201, published.get_json()
    with app.app_context():
        head = db.session.execute(select(Event.seq, Event.hash).where(Event.seq == 6)).one()
        db.session.remove()
    assert published.get_json()["content"]["chain_head"] == {"seq": 6, "hash": head.hash}
    response = leader.get(f"/api/reports/{published.get_json()['id']}.pdf?lang={lang}")
    assert response.status_code == 200, response.get_data(as_text=True)
    (tmp_path / "report.pdf").write_bytes(response.data)
    pages = subprocess.run(["pdftotext", "-layout", str(tmp_path / "report.pdf"), "-"], capture_output=True,
                           text=True, check=True).stdout.split("\f")
    printed = [page for page in pages if page.strip()]
    assert printed and all(words in page and f"6 · {head.hash[:12]}" in page for page in printed), printed[-1][-400:]
