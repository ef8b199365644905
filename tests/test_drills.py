"""Outage drills against real server processes: the database restarted under load.

Each drill starts the services it breaks (a private PostgreSQL), so the shared
ones other test runs use are never stopped.
"""
from __future__ import annotations

import threading
import time

import pytest
import requests

from .support import PrivatePostgres, http_login, incident_payload, running_server

pytestmark = [pytest.mark.servers, pytest.mark.postgres]


@pytest.fixture
def private_postgres():
    server = PrivatePostgres()
    server.start()
    try:
        yield server
    finally:
        server.close()


def test_the_database_restarted_under_load_is_503_while_down_and_the_server_recovers_by_itself(
        private_postgres, tmp_path):
    with running_server(private_postgres.url, instance_dir=tmp_path) as server:
        duty = http_login(server.url, "duty")
        outcomes: list[tuple[float, int]] = []
        stop = threading.Event()

        def write():
            n = 0
            while not stop.is_set():
                try:
                    code = duty.post(f"{server.url}/api/incidents", json=incident_payload(title=f"Drill {n}"),
                                     timeout=10).status_code
                except requests.RequestException:
                    code = 0
                outcomes.append((time.monotonic(), code))
                n += 1
                time.sleep(0.05)

        writer = threading.Thread(target=write)
        writer.start()
        time.sleep(1.5)
        private_postgres.stop()
        down_at = time.monotonic()
        health_while_down = [requests.get(f"{server.url}/healthz", timeout=10).status_code for _ in range(3)]
        time.sleep(2)
        private_postgres.start()
        up_at = time.monotonic()
        recovered_after = None
        while time.monotonic() - up_at < 30:
            if requests.get(f"{server.url}/healthz", timeout=10).status_code == 200:
                recovered_after = time.monotonic() - up_at
                break
            time.sleep(0.1)
        time.sleep(1.5)
        stop.set()
        writer.join(15)
        after = [code for at, code in outcomes if at > up_at + (recovered_after or 0) + 0.5]
        log = duty.get(f"{server.url}/api/events?limit=1000", timeout=10).json()
        accepted = sum(1 for _, code in outcomes if code == 201)
    seqs = [event["seq"] for event in log["items"]]
    print(f"\ndatabase restart: {len(outcomes)} writes tried, {accepted} accepted, "
          f"{len([1 for at, c in outcomes if down_at <= at <= up_at and c != 201])} refused while down; "
          f"answers {sorted({c for _, c in outcomes})}; /healthz while down {health_while_down}; healthy again {recovered_after:.2f} s after the database")
    assert set(health_while_down) == {503}
    assert recovered_after is not None
    assert after and set(after) == {201}  # writes go through again, without a restart of the server
    assert {code for _, code in outcomes} <= {201, 503, 0}, "a write during the outage is 503, never a 500"
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) >= accepted  # every accepted write, no gap
