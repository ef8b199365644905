"""The command board in chromium: load time and live-update time, loaded beside a baseline.

    .venv/bin/python bench/board_load.py [--incidents 200] [--tasks 2000] [--loads 5] [--updates 10]

One real server (`python wsgi.py`, eventlet, SQLite) serves both measurements in
the same run: first the baseline (the demo data: a handful of incidents), then
the same board after the database is filled with `--incidents` active incidents
and `--tasks` open tasks. Printed: the median of each figure and the ratio
loaded / baseline.

- load: from navigation start to the board's first render (the page's
  `board-rendered` performance mark) and until the live stream is caught up;
- live update: from the moment a registration is sent through the API until its
  row is on the board of another user (wall clock, so it includes the request,
  the commit, the push and the redraw), and the redraw alone (the page's
  `board-render` performance measure).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402
from sqlalchemy import select  # noqa: E402

from tests.support import PASSWORD, http_login, incident_payload, running_server  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
LEVELS = ("I", "II", "III", "IV")
CATEGORIES = ("wage_arrears", "land_acquisition", "environmental_pollution", "historical_legacy")


def prepare(url: str) -> None:
    from dispatch import create_app
    from dispatch.demo import load_demo_if_empty
    from dispatch.migrate import upgrade

    app = create_app("test", DATABASE_URL=url)
    with app.app_context():
        upgrade(url)
        load_demo_if_empty()


def fill(url: str, incidents: int, tasks: int) -> None:
    """Active incidents and open tasks spread over them, through the services (as the API would)."""
    from dispatch import create_app
    from dispatch.auth.models import Unit, User
    from dispatch.db import db, utcnow
    from dispatch.incidents import service as incident_service
    from dispatch import coordination

    app = create_app("test", DATABASE_URL=url)
    with app.app_context():
        duty = db.session.scalar(select(User).where(User.username == "duty"))
        units = [u.id for u in db.session.scalars(select(Unit).where(Unit.kind != "command"))]
        now = utcnow()
        created = []
        for n in range(incidents):
            created.append(incident_service.register_incident(actor=duty, data={
                "kind": "mass_incident" if n % 2 else "petition", "title": f"Bench incident {n}",
                "category": CATEGORIES[n % len(CATEGORIES)], "location": f"Place {n}",
                "occurred_at": now - timedelta(minutes=n), "headcount": 10 + n, "demands": "Bench demands",
                "level": LEVELS[n % len(LEVELS)]}).id)
        for n in range(tasks):
            coordination.dispatch_task(actor=duty, incident_id=created[n % len(created)], data={
                "unit_id": units[n % len(units)], "co_unit_ids": [], "title": f"Bench task {n}",
                "instructions": "", "priority": "normal", "due_at": now + timedelta(hours=1 + n % 5)})
        db.session.remove()


def measure_loads(browser, base: str, loads: int) -> tuple[list[float], list[float], int]:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.request.post(f"{base}/api/session", data={"username": "duty", "password": PASSWORD})
    answered, rendered, live, rows = [], [], [], 0
    for _ in range(loads):
        page = context.new_page()
        page.goto(f"{base}/board")
        page.wait_for_function("performance.getEntriesByName('board-rendered').length > 0")
        page.wait_for_selector("#connection[data-state=live]")
        answered.append(page.evaluate("performance.getEntriesByType('navigation')[0].responseEnd"))
        rendered.append(page.evaluate("performance.getEntriesByName('board-rendered')[0].startTime"))
        live.append(page.evaluate("performance.now()"))
        rows = page.locator("#board tbody tr").count()
        page.close()
    context.close()
    return answered, rendered, live, rows


def measure_updates(browser, base: str, updates: int) -> list[float]:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.request.post(f"{base}/api/session", data={"username": "psb", "password": PASSWORD})
    page = context.new_page()
    page.goto(f"{base}/board")
    page.wait_for_selector("#connection[data-state=live]")
    http = http_login(base, "duty")
    times = []
    for _ in range(updates):
        title = f"Bench live {uuid.uuid4().hex[:8]}"
        started = time.perf_counter()
        response = http.post(f"{base}/api/incidents", json=incident_payload(title=title), timeout=10)
        assert response.status_code == 201, response.text
        page.wait_for_selector(f"#board tbody tr:has-text('{title}')", timeout=15000)
        times.append((time.perf_counter() - started) * 1000)
    # the page's own redraws after each event (the first entry is the initial render)
    redraws = page.evaluate("performance.getEntriesByName('board-render').slice(1).map((m) => m.duration)")
    context.close()
    return times, redraws


def run(browser, base: str, loads: int, updates: int) -> dict:
    answered, rendered, live, rows = measure_loads(browser, base, loads)
    updates, redraws = measure_updates(browser, base, updates)
    return {"rows": rows, "answered": statistics.median(answered), "rendered": statistics.median(rendered), "live": statistics.median(live),
            "update": statistics.median(updates), "redraw": statistics.median(redraws)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=200)
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--updates", type=int, default=10)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="board-bench-"))
    os.environ["DISPATCH_INSTANCE_DIR"] = str(folder)
    url = f"sqlite:///{folder / 'bench.db'}"
    prepare(url)
    with running_server(url, instance_dir=folder) as server, sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        baseline = run(browser, server.url, args.loads, args.updates)
        started = time.perf_counter()
        fill(url, args.incidents, args.tasks)
        print(f"filled {args.incidents} incidents and {args.tasks} tasks in {time.perf_counter() - started:.1f} s")
        loaded = run(browser, server.url, args.loads, args.updates)
        browser.close()
    print(f"\n{'board (median)':<38}{'baseline':>12}{'loaded':>12}{'ratio':>8}")
    print(f"{'rows on the board':<38}{baseline['rows']:>12}{loaded['rows']:>12}")
    for key, caption in (("answered", "page received (server + transfer), ms"),
                         ("rendered", "first render after navigation, ms"), ("live", "caught up and live, ms"),
                         ("update", "registration -> row on board, ms"), ("redraw", "board redraw per event, ms")):
        print(f"{caption:<38}{baseline[key]:>12.1f}{loaded[key]:>12.1f}{loaded[key] / max(baseline[key], 0.1):>8.2f}")


if __name__ == "__main__":
    main()
