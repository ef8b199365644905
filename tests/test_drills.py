"""Outage drills against real server processes: the database restarted under load, Redis stopped.

Each drill starts the services it breaks (a private PostgreSQL), so the shared
ones other test runs use are never stopped.
"""
from __future__ import annotations

import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from realtime.client import LiveClient

from .support import (PrivatePostgres, PrivateRedis, free_port, fresh_postgres_database, http_login,
                      incident_payload, running_server, start_server, wait_for_answer, wait_until)

pytestmark = [pytest.mark.servers, pytest.mark.postgres, pytest.mark.long]


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
        accepted_before = wait_until(lambda: sum(1 for _, code in outcomes if code == 201) >= 10)
        private_postgres.stop()
        down_at = time.monotonic()
        health_while_down = [requests.get(f"{server.url}/healthz", timeout=10).status_code for _ in range(3)]
        refused_while_down = wait_until(lambda: sum(1 for at, code in outcomes if at > down_at and code != 201) >= 5)
        private_postgres.start()
        up_at = time.monotonic()
        recovered_after = wait_until(lambda: requests.get(f"{server.url}/healthz", timeout=10).status_code == 200
                                     and time.monotonic() - up_at, 30, every=0.1)
        # writes go on after the recovery: ten of them answered
        wait_until(lambda: len([1 for at, _ in outcomes if at > up_at + (recovered_after or 0) + 0.5]) >= 10)
        stop.set()
        writer.join(15)
        after = [code for at, code in outcomes if at > up_at + (recovered_after or 0) + 0.5]
        log = duty.get(f"{server.url}/api/events?limit=1000", timeout=10).json()
        accepted = sum(1 for _, code in outcomes if code == 201)
    seqs = [event["seq"] for event in log["items"]]
    print(f"\ndatabase restart: {len(outcomes)} writes tried, {accepted} accepted, "
          f"{len([1 for at, c in outcomes if down_at <= at <= up_at and c != 201])} refused while down; "
          f"answers {sorted({c for _, c in outcomes})}; /healthz while down {health_while_down}; healthy again {recovered_after:.2f} s after the database")
    assert accepted_before and refused_while_down
    assert set(health_while_down) == {503}
    assert recovered_after is not None
    assert after and set(after) == {201}  # writes go through again, without a restart of the server
    assert {code for _, code in outcomes} <= {201, 503, 0}, "a write during the outage is 503, never a 500"
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) >= accepted  # every accepted write, no gap


def test_redis_stopped_while_clients_are_connected_and_writes_continue_loses_nothing(tmp_path):
    redis_server = PrivateRedis()
    redis_server.start()
    url = fresh_postgres_database("dispatch_drill_redis")
    env = {"SOCKETIO_MESSAGE_QUEUE": redis_server.url}
    try:
        with running_server(url, env=env, instance_dir=tmp_path) as first, \
                running_server(url, env=env, instance_dir=tmp_path) as second:
            servers = [first, second]
            writers = [http_login(server.url, "duty") for server in servers]
            start = writers[0].get(f"{first.url}/api/events?limit=1", timeout=10).json()["last_seq"]
            clients = []
            for n, username in enumerate(["leader", "psb", "lvb", "admin"]):
                server = servers[n % 2]
                http = http_login(server.url, username)
                cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
                clients.append(LiveClient(server.url, cookie=cookie, after=start).connect())
            codes = []

            def write_some(count):
                for i in range(count):
                    writer, server = writers[i % 2], servers[i % 2]
                    codes.append(writer.post(f"{server.url}/api/incidents", timeout=15,
                                             json=incident_payload(title=f"Redis drill {len(codes)}")).status_code)

            try:
                write_some(10)
                redis_server.stop()
                write_some(10)  # Redis is down: the writes go on
                redis_server.start()
                write_some(10)  # Redis is back; the events never travelled through it
                log = writers[0].get(f"{first.url}/api/events", params={"after": start, "limit": 1000},
                                     timeout=10).json()["items"]
                last = log[-1]["seq"]
                caught_up = [client.wait_for(last, 30) for client in clients]
            finally:
                for client in clients:
                    client.close()
    finally:
        redis_server.stop()
    print(f"\nRedis stopped: {codes.count(201)} of {len(codes)} writes accepted, {len(log)} events, "
          f"{sum(caught_up)} of {len(clients)} clients complete (resumes {[c.resumes for c in clients]})")
    assert codes == [201] * 30
    assert [event["seq"] for event in log] == list(range(start + 1, start + 31))
    assert all(caught_up)
    for client in clients:
        assert client.events == log


class Restartable:
    """A server process on a fixed port, killed with SIGKILL and started again on the same port."""

    def __init__(self, database_url: str, instance_dir, env: dict):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "DATABASE_URL": database_url, "HOST": "127.0.0.1", "PORT": str(self.port),
                    "DISPATCH_PROFILE": "test", "DISPATCH_INSTANCE_DIR": str(instance_dir), **env}
        self.log_path = instance_dir / f"server-{self.port}.log"
        self.process = None

    def start(self, wait: bool = True) -> None:
        self.process = start_server(self.env, self.log_path)
        if wait:
            wait_for_answer(f"{self.url}/healthz", self.process, self.log_path, timeout=60)

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.kill()


WRITES = int(os.environ.get("DISPATCH_DRILL_WRITES", "2000"))
WRITERS = 8


def test_two_thousand_keyed_writes_while_a_process_is_killed_again_and_again_lose_nothing(tmp_path):
    """Each write is keyed (its title); a write whose answer was lost is retried only if its key is not there."""
    redis_server = PrivateRedis()
    redis_server.start()
    url = fresh_postgres_database("dispatch_drill_kill")
    env = {"SOCKETIO_MESSAGE_QUEUE": redis_server.url}
    steady, victim = Restartable(url, tmp_path, env), Restartable(url, tmp_path, env)
    clients, kills = [], 0
    try:
        steady.start()
        victim.start()
        servers = [steady, victim]
        start = http_login(steady.url, "duty").get(f"{steady.url}/api/events?limit=1", timeout=10).json()["last_seq"]
        for n, username in enumerate(["leader", "psb", "lvb", "hrss"]):
            server = servers[n % 2]
            http = http_login(server.url, username)
            cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
            clients.append(LiveClient(server.url, cookie=cookie, after=start).connect())
        acknowledged, retried = set(), 0
        done = threading.Event()

        def session_on(sessions, server):
            if server.url not in sessions:
                sessions[server.url] = http_login(server.url, "duty")
            return sessions[server.url]

        def write(worker: int) -> None:
            nonlocal retried
            sessions = {}
            deadline = time.monotonic() + 300
            for i in range(worker, WRITES, WRITERS):
                key, server = f"K-{i:05d}", servers[(i // WRITERS) % 2]
                while time.monotonic() < deadline:
                    try:
                        answer = session_on(sessions, server).post(f"{server.url}/api/incidents", timeout=10,
                                                                   json=incident_payload(title=key))
                        if answer.status_code == 201:
                            acknowledged.add(key)
                            break
                    except requests.RequestException:
                        sessions.pop(server.url, None)
                    # no answer: ask the steady process whether the write is in, else write there
                    try:
                        found = session_on(sessions, steady).get(f"{steady.url}/api/incidents", params={"q": key},
                                                                 timeout=10).json()["total"]
                    except requests.RequestException:
                        time.sleep(0.2)
                        continue
                    if found:
                        acknowledged.add(key)
                        break
                    retried += 1
                    server = steady

        def killer():
            nonlocal kills
            while not done.wait(4):
                victim.kill()
                kills += 1
                victim.start()

        started = time.monotonic()
        chaos = threading.Thread(target=killer, daemon=True)
        chaos.start()
        try:
            with ThreadPoolExecutor(WRITERS) as pool:
                list(pool.map(write, range(WRITERS)))
        finally:
            done.set()
            chaos.join(60)
        elapsed = time.monotonic() - started
        http = http_login(steady.url, "duty")
        log, after = [], start
        while True:
            page = http.get(f"{steady.url}/api/events", params={"after": after, "limit": 1000}, timeout=30).json()
            if not page["items"]:
                break
            log += page["items"]
            after = page["items"][-1]["seq"]
        caught_up = [client.wait_for(log[-1]["seq"], 60) for client in clients]
    finally:
        for client in clients:
            client.close()
        steady.stop()
        victim.stop()
        redis_server.stop()
    titles = [event["data"]["incident"]["title"] for event in log if event["type"] == "incident.registered"]
    keys = {f"K-{i:05d}" for i in range(WRITES)}
    lost = keys - set(titles)
    unexpected = set(titles) - keys
    duplicates = len(titles) - len(set(titles))
    seqs = [event["seq"] for event in log]
    print(f"\nkills: {WRITES} keyed writes by {WRITERS} clients in {elapsed:.0f} s, {kills} SIGKILLs, "
          f"{retried} retried; lost {len(lost)}, unexpected {len(unexpected)}, duplicates {duplicates}, "
          f"seq gaps {sum(1 for a, b in zip(seqs, seqs[1:]) if b != a + 1)}, "
          f"clients complete {sum(caught_up)} of {len(clients)}")
    assert kills >= 2
    assert acknowledged == keys, f"{len(keys - acknowledged)} writes never acknowledged"
    assert (len(lost), len(unexpected), duplicates) == (0, 0, 0)
    assert seqs == list(range(start + 1, start + 1 + len(seqs)))
    assert all(caught_up)
    for client in clients:
        assert client.events == log
