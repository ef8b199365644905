"""Registering incidents through the API, beside a bare insert of the same row, per database.

    .venv/bin/python bench/register_incidents.py [--count 300] [--postgres postgresql://postgres@127.0.0.1:5432/test]

The figure is the ratio: what the whole path (validation, permission, ref
counter, headcount history, event with seq counter, commit, dump) costs over
one bare INSERT ... COMMIT of an incident row. Traffic stays in this process.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402

from dispatch import create_app  # noqa: E402
from dispatch.db import db, driver_url, utcnow  # noqa: E402
from dispatch.demo import seed_units_and_users  # noqa: E402
from dispatch.incidents.models import Incident  # noqa: E402
from dispatch.migrate import upgrade  # noqa: E402

PAYLOAD = {"kind": "mass_incident", "title": "Workers at the gate", "category": "wage_arrears",
           "location": "County government gate", "occurred_at": "2026-11-24T08:30:00+08:00",
           "headcount": 300, "demands": "Unpaid wages", "level": "II"}


def fresh_postgres(admin_url: str) -> str:
    engine = create_engine(driver_url(admin_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text('DROP DATABASE IF EXISTS "dispatch_bench" WITH (FORCE)'))
        conn.execute(text('CREATE DATABASE "dispatch_bench"'))
    engine.dispose()
    return admin_url.rsplit("/", 1)[0] + "/dispatch_bench"


def measure(url: str, count: int) -> tuple[float, float]:
    app = create_app("test", DATABASE_URL=url)
    with app.app_context():
        upgrade(url)
        seed_units_and_users()
        started = time.perf_counter()
        for n in range(count):
            db.session.add(Incident(ref=f"BARE-{n}", kind="mass_incident", title="t", category="wage_arrears",
                                    location="l", occurred_at=utcnow(), headcount=300, peak_headcount=300,
                                    demands="d", level="II", status="reported", version=1))
            db.session.commit()
        bare = count / (time.perf_counter() - started)
        db.session.remove()
    client = app.test_client()
    login = client.post("/api/session", json={"username": "duty", "password": "dispatch-demo"}).get_json()
    headers = {"X-CSRF-Token": login["csrf_token"]}
    started = time.perf_counter()
    for _ in range(count):
        assert client.post("/api/incidents", json=PAYLOAD, headers=headers).status_code == 201
    api = count / (time.perf_counter() - started)
    with app.app_context():
        db.engine.dispose()
    return api, bare


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES_URL",
                                                             "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()
    os.environ.setdefault("DISPATCH_INSTANCE_DIR", tempfile.mkdtemp())
    targets = [("sqlite", f"sqlite:///{tempfile.mkdtemp()}/bench.db")]
    try:
        targets.append(("postgresql", fresh_postgres(args.postgres)))
    except Exception as exc:  # a bench without PostgreSQL still reports SQLite
        print(f"postgresql: skipped ({exc.__class__.__name__})")
    for name, url in targets:
        api, bare = measure(url, args.count)
        print(f"{name}: register via API {api:,.0f}/s; bare insert+commit {bare:,.0f}/s; "
              f"ratio {bare / api:.1f}x the cost of a bare insert ({args.count} each)")


if __name__ == "__main__":
    main()
