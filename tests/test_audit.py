"""The event log proves itself: `flask --app wsgi audit verify` finds any row changed, removed or slipped in."""
from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import create_engine, select, text

from dispatch.db import db, driver_url
from dispatch.events import GENESIS, Event, chain_hash
from dispatch.migrate import alembic_config, upgrade

from .support import another_app, fresh_postgres_database, incident_payload


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
    result = audit(app)
    assert result.exit_code == 1 and "audit chain broken at seq 3:" in result.output


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


def test_the_migration_chains_the_events_already_in_the_log(old_database):
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
    with another_app(old_database) as migrated:
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
