"""Registering incidents through the API, beside a bare insert of the same row, per database.

    .venv/bin/python bench/register_incidents.py [--count 300] [--postgres postgresql://postgres@127.0.0.1:5432/test]

The figure is the ratio: what the whole path (validation, permission, ref
counter, headcount history, event with seq counter, commit, dump) costs over
one bare INSERT ... COMMIT of an incident row, with one writer and with eight
concurrent writers (where the one-row seq counter serialises the final step of
each transaction). Traffic stays in this process.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402

from dispatch import create_app  # noqa: E402
from dispatch.db import db, driver_url, utcnow  # noqa: E402
from dispatch.demo import is_empty, seed_units_and_users  # noqa: E402
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


def _rate(work, count: int, writers: int) -> float:
    """Requests per second when `writers` threads each do count // writers of `work`."""
    each = count // writers
    started = time.perf_counter()
    with ThreadPoolExecutor(writers) as pool:
        list(pool.map(lambda index: work(index, each), range(writers)))
    return each * writers / (time.perf_counter() - started)


def measure(url: str, count: int, writers: int) -> tuple[float, float]:
    app = create_app("test", DATABASE_URL=url)
    with app.app_context():
        upgrade(url)
        if is_empty():
            seed_units_and_users()
        db.session.remove()

    def bare_inserts(index: int, n: int) -> None:
        with app.app_context():
            for k in range(n):
                db.session.add(Incident(ref=f"BARE-{writers}-{index}-{k}", kind="mass_incident", title="t",
                                        category="wage_arrears", location="l", occurred_at=utcnow(),
                                        headcount=300, peak_headcount=300, demands="d", level="II",
                                        status="reported", version=1))
                db.session.commit()
            db.session.remove()

    def registrations(index: int, n: int) -> None:
        client = app.test_client()
        login = client.post("/api/session", json={"username": "duty", "password": "dispatch-demo"}).get_json()
        for _ in range(n):
            response = client.post("/api/incidents", json=PAYLOAD, headers={"X-CSRF-Token": login["csrf_token"]})
            assert response.status_code == 201

    bare = _rate(bare_inserts, count, writers)
    api = _rate(registrations, count, writers)
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
        for writers in (1, 8):
            api, bare = measure(url, args.count, writers)
            print(f"{name}, {writers} writer(s): register via API {api:,.0f}/s; bare insert+commit {bare:,.0f}/s; "
                  f"ratio {bare / api:.1f}x the cost of a bare insert ({args.count} each)")


if __name__ == "__main__":
    main()
