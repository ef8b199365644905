"""Statistics over 10 000 incidents and 100 000 tasks, on SQLite and on PostgreSQL, beside a plain count.

    .venv/bin/python bench/statistics_queries.py [--incidents 10000] [--tasks-per-incident 10] [--runs 5] [--sqlite-only]

Each backend gets a throwaway database (a temporary SQLite file; `bench_statistics`
on the PostgreSQL at TEST_POSTGRES_ADMIN_URL, dropped afterwards), migrated to the
head, with the demo units and users. The incidents (registered over the last
365 days) and their tasks' whole histories (dispatched, claimed, started,
submitted, verified; some returned and rerouted, some pressed with supervision
notices and escalated, some left overdue) are bulk-inserted as rows of the event
log, and the statistics read model is derived from that log by
`projection.rebuild`, the code the migration and `flask statistics rebuild` run.

Then, for each statistics query (the service functions the API calls, as a
leader), the median of `--runs` timings is printed beside the median of a plain
`SELECT count(*)` over the same table, with the ratio, and the query plan of the
SQL underneath each (EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on PostgreSQL).
The goal: every query under one second.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

# (named statistics_queries.py: a bench/statistics.py would shadow the standard library's `statistics`
# for every script in this folder)
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, insert, select, text  # noqa: E402

from tests.support import PG_ADMIN_URL, PG_BASE, postgres_available  # noqa: E402

DB_NAME = "bench_statistics"
CATEGORIES = ("land_acquisition", "wage_arrears", "enterprise_restructuring", "employment_social_security",
              "environmental_pollution", "law_litigation", "production_safety", "official_conduct",
              "unfair_distribution", "ethnic_religious", "historical_legacy", "other")
LEVELS = ("I", "II", "III", "IV")
BATCH = 10_000


def _snapshot(status: str, due_at) -> dict:
    return {"task": {"status": status, "due_at": due_at.isoformat(), "priority": "normal"}}


def generate(units: list[int], incidents: int, per_incident: int, now, seed: int = 7):
    """Rows for incidents and tasks, and the events of every task's history, oldest first."""
    rng = random.Random(seed)
    incident_rows, task_rows, events = [], [], []
    task_id = 0
    for n in range(1, incidents + 1):
        registered = now - timedelta(days=365 * rng.random(), minutes=1)
        peak = rng.randint(5, 800)
        incident_rows.append({
            "id": n, "ref": f"INC-B-{n:06d}", "kind": "petition" if n % 2 else "mass_incident",
            "title": f"Bench incident {n}", "category": CATEGORIES[n % len(CATEGORIES)], "location": f"Place {n}",
            "occurred_at": registered - timedelta(minutes=30), "headcount": peak, "peak_headcount": peak,
            "demands": "", "level": LEVELS[n % len(LEVELS)], "status": "responding", "version": 1,
            "repeat_of_id": n - 1 if n > 1 and rng.random() < 0.15 else None,
            "created_at": registered, "updated_at": registered})
        events.append((registered, "incident.registered", n, None, None, {}))
        for _ in range(per_incident):
            task_id += 1
            unit = rng.choice(units)
            at = registered + timedelta(minutes=rng.randint(2, 120))
            due = at + timedelta(hours=4)
            history = [(at, "task.dispatched", unit, "dispatched")]
            if rng.random() < 0.05:  # mis-routed: returned, then rerouted to another unit
                at += timedelta(minutes=rng.randint(5, 60))
                history.append((at, "task.returned", unit, "returned"))
                at += timedelta(minutes=rng.randint(5, 60))
                unit = rng.choice([u for u in units if u != unit])
                due = at + timedelta(hours=4)
                history.append((at, "task.rerouted", unit, "dispatched"))
            if rng.random() < 0.9:
                at += timedelta(minutes=rng.randint(1, 90))
                history.append((at, "task.claimed", unit, "claimed"))
                at += timedelta(minutes=rng.randint(1, 30))
                history.append((at, "task.started", unit, "in_progress"))
                if rng.random() < 0.08:  # late: pressed by supervision notices, the third escalates
                    for number in range(1, rng.randint(1, 3) + 1):
                        at = max(at, due) + timedelta(minutes=20)
                        history.append((at, "supervision.issued", unit, "in_progress"))
                        if number == 3:
                            history.append((at, "supervision.escalated", unit, "in_progress"))
                if rng.random() < 0.85:
                    at += timedelta(minutes=rng.randint(20, 400))
                    history.append((at, "task.submitted", unit, "submitted"))
                    at += timedelta(minutes=rng.randint(5, 120))
                    history.append((at, "task.verified", unit, "done"))
            status = history[-1][3]
            task_rows.append({"id": task_id, "incident_id": n, "unit_id": unit, "title": f"Bench task {task_id}",
                              "instructions": "", "priority": "normal", "due_at": due, "status": status,
                              "version": len(history), "supervision_count": 0, "created_at": history[0][0],
                              "updated_at": history[-1][0]})
            for when, kind, holder, state in history:
                events.append((when, kind, n, task_id, holder, _snapshot(state, due)))
    events.sort(key=lambda event: event[0])
    event_rows = [{"seq": seq, "type": kind, "at": when, "incident_id": incident, "task_id": task, "unit_id": unit,
                   "actor_id": None, "actor_name": None, "actor_role": None, "data": data, "hash": "0" * 64}
                  for seq, (when, kind, incident, task, unit, data) in enumerate(events, start=1)]
    return incident_rows, task_rows, event_rows


def seed(app, incidents: int, per_incident: int) -> dict:
    from dispatch.auth.models import Unit
    from dispatch.db import db, utcnow
    from dispatch.demo import seed_units_and_users
    from dispatch.events import Event
    from dispatch.incidents.models import Incident
    from dispatch.statistics.projection import rebuild
    from dispatch.tasks.models import Task

    with app.app_context():
        seed_units_and_users()
        units = list(db.session.scalars(select(Unit.id).where(Unit.kind != "command")))
        incident_rows, task_rows, event_rows = generate(units, incidents, per_incident, utcnow())
        started = time.perf_counter()
        with db.engine.begin() as connection:
            for table, rows in ((Incident.__table__, incident_rows), (Task.__table__, task_rows),
                                (Event.__table__, event_rows)):
                for start in range(0, len(rows), BATCH):
                    connection.execute(insert(table), rows[start:start + BATCH])
            connection.execute(text("UPDATE event_counter SET last_seq = :n"), {"n": len(event_rows)})
        inserted = time.perf_counter() - started
        started = time.perf_counter()
        with db.engine.begin() as connection:
            turns = rebuild(connection)
        rebuilt = time.perf_counter() - started
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE"))
        else:
            with db.engine.begin() as connection:
                connection.execute(text("ANALYZE"))
        db.session.remove()
    return {"incidents": len(incident_rows), "tasks": len(task_rows), "events": len(event_rows), "turns": turns,
            "insert_s": inserted, "rebuild_s": rebuilt}


def _median_ms(call, runs: int) -> float:
    call()  # warm: the first read of a table from disk is not what a user waits for twice
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def _plan(session, query) -> str:
    compiled = str(query.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(text(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) {compiled}")).all()
        return "\n".join(row[0] for row in rows)
    rows = session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
    return "\n".join(row[-1] for row in rows)


def measure(app, runs: int) -> list[dict]:
    from dispatch.auth.models import User
    from dispatch.db import db, utcnow
    from dispatch.incidents.models import Incident
    from dispatch.statistics import service
    from dispatch.statistics.models import TaskHandling

    results = []
    with app.test_request_context("/?lang=en"):
        leader = db.session.scalar(select(User).where(User.username == "leader"))
        today = service.period().last
        year = (today - timedelta(days=364), today)
        count_turns = lambda: db.session.scalar(select(func.count()).select_from(TaskHandling))  # noqa: E731
        count_incidents = lambda: db.session.scalar(select(func.count()).select_from(Incident))  # noqa: E731
        cases = [
            ("units, last 30 days (default)", lambda: service.unit_figures(actor=leader), count_turns,
             service.unit_rows_query(service.period(), utcnow())),
            ("units, whole year", lambda: service.unit_figures(actor=leader, first=year[0], last=year[1]),
             count_turns, service.unit_rows_query(service.period(*year), utcnow())),
        ] + [
            (f"incidents by {by}, whole year",
             (lambda by=by: service.incident_figures(actor=leader, by=by, first=year[0], last=year[1])),
             count_incidents, service.incident_rows_query(service.period(*year)))
            for by in ("category", "month", "level")
        ]
        for name, call, baseline, query in cases:
            rows = len(call()["items"])
            figure, floor = _median_ms(call, runs), _median_ms(baseline, runs)
            results.append({"query": name, "rows": rows, "ms": round(figure, 1), "count_ms": round(floor, 2),
                            "ratio": round(figure / floor, 1) if floor else None, "plan": _plan(db.session, query)})
        db.session.remove()
    return results


def run_backend(name: str, url: str, args) -> dict:
    from dispatch import create_app
    from dispatch.db import db
    from dispatch.migrate import upgrade

    app = create_app("test", DATABASE_URL=url)
    with app.app_context():
        upgrade(url)
    print(f"\n## {name}: seeding {args.incidents} incidents x {args.tasks_per_incident} tasks ...", flush=True)
    seeded = seed(app, args.incidents, args.tasks_per_incident)
    print(f"   {seeded['incidents']} incidents, {seeded['tasks']} tasks, {seeded['events']} events inserted in "
          f"{seeded['insert_s']:.1f} s; task_handling rebuilt from the log ({seeded['turns']} turns) in "
          f"{seeded['rebuild_s']:.1f} s", flush=True)
    results = measure(app, args.runs)
    print(f"   {'query':34} {'groups':>6} {'median ms':>10} {'count(*) ms':>12} {'ratio':>7}")
    for row in results:
        print(f"   {row['query']:34} {row['rows']:>6} {row['ms']:>10.1f} {row['count_ms']:>12.2f} {row['ratio']:>7}")
    for row in results:
        print(f"\n   plan of {row['query']}:")
        print("     " + row["plan"].replace("\n", "\n     "))
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return {"backend": name, **{k: v for k, v in seeded.items()}, "queries": results}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--tasks-per-incident", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--json", default=str(ROOT / "bench" / "results" / "statistics_queries.json"),
                        help="also write the figures to this file")
    args = parser.parse_args()

    from dispatch.db import driver_url

    report = []
    with tempfile.TemporaryDirectory() as folder:
        report.append(run_backend("SQLite", f"sqlite:///{Path(folder) / 'bench.db'}", args))
    if not args.sqlite_only:
        if not postgres_available():
            print(f"\nPostgreSQL does not answer at {PG_ADMIN_URL}: skipped")
        else:
            admin = create_engine(driver_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{DB_NAME}"'))
            try:
                report.append(run_backend("PostgreSQL", f"{PG_BASE}/{DB_NAME}", args))
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
                admin.dispose()
    slowest = max(row["ms"] for backend in report for row in backend["queries"])
    print(f"\nslowest statistics query: {slowest:.0f} ms (goal: under 1 000 ms)")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, default=str))
    return 0 if slowest < 1000 else 1


if __name__ == "__main__":
    sys.exit(main())
