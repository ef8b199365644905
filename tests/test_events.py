"""The one log: gap-free seq in commit order, nothing appended by a refused request."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from .support import fresh_postgres_database, http_login, incident_payload, running_server


def test_events_feed_pages_after_a_seq(duty):
    for _ in range(3):
        duty.post("/api/incidents", json=incident_payload())
    body = duty.get("/api/events?after=0&limit=2").get_json()
    assert [event["seq"] for event in body["items"]] == [1, 2]
    assert body["last_seq"] == 3
    rest = duty.get("/api/events?after=2").get_json()["items"]
    assert [event["seq"] for event in rest] == [3]
    assert set(rest[0]) == {"seq", "type", "at", "incident_id", "task_id", "unit_id", "actor", "data"}


def test_refused_requests_append_nothing(duty, client_for):
    duty.post("/api/incidents", json=incident_payload())
    refused = [
        duty.post("/api/incidents", json=incident_payload(headcount=0)),
        duty.post("/api/incidents/1/transitions", json={"action": "close"}),
        duty.patch("/api/incidents/1", json={"version": 7, "title": "stale"}),
        client_for("psb").post("/api/incidents", json=incident_payload()),
    ]
    assert [r.status_code for r in refused] == [422, 409, 409, 403]
    assert duty.get("/api/events").get_json()["last_seq"] == 1


def test_a_failed_transaction_leaves_no_event_and_no_gap(app, duty, monkeypatch):
    from dispatch.incidents import service

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    duty.post("/api/incidents", json=incident_payload())
    monkeypatch.setattr(service, "snapshot", explode)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        assert duty.post("/api/incidents", json=incident_payload()).status_code == 500
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    monkeypatch.undo()
    duty.post("/api/incidents", json=incident_payload())
    items = duty.get("/api/events").get_json()["items"]
    assert [event["seq"] for event in items] == [1, 2]
    refs = [item["ref"] for item in duty.get("/api/incidents").get_json()["items"]]
    assert sorted(int(ref.rsplit("-", 1)[1]) for ref in refs) == [1, 2]  # the ref counter rolled back too


def _hammer_and_watch(urls: list[str], writers: int, writes_each: int) -> list[int]:
    """Writers register incidents through every process while a reader tails the feed.

    The reader asserts what a client relies on: a page after seq n starts at n+1
    and has no holes, so a row that commits later can never carry a lower seq.
    """
    done = threading.Event()
    seen: list[int] = []
    problems: list[str] = []

    def reader():
        http = http_login(urls[0], "psb")
        last = 0
        while True:
            finished = done.is_set()
            items = http.get(f"{urls[0]}/api/events", params={"after": last, "limit": 1000}, timeout=10).json()["items"]
            seqs = [item["seq"] for item in items]
            if seqs and seqs != list(range(last + 1, last + 1 + len(seqs))):
                problems.append(f"after {last} the feed gave {seqs[:5]}...")
                return
            seen.extend(seqs)
            last = seqs[-1] if seqs else last
            if finished and not seqs:
                return

    def writer(index: int):
        http = http_login(urls[index % len(urls)], "duty")
        for _ in range(writes_each):
            response = http.post(f"{urls[index % len(urls)]}/api/incidents", json=incident_payload(), timeout=30)
            assert response.status_code == 201, response.text

    tail = threading.Thread(target=reader)
    tail.start()
    with ThreadPoolExecutor(writers) as pool:
        list(pool.map(writer, range(writers)))
    done.set()
    tail.join(60)
    assert not problems, problems
    return seen


@pytest.mark.long
@pytest.mark.postgres
@pytest.mark.servers
def test_seq_has_no_gaps_and_follows_commit_order_with_two_processes_on_postgresql(tmp_path):
    url = fresh_postgres_database("dispatch_seq_order")
    with running_server(url, instance_dir=tmp_path) as first:
        with running_server(url, instance_dir=tmp_path) as second:
            before = http_login(first.url, "duty").get(f"{first.url}/api/events").json()["last_seq"]
            seen = _hammer_and_watch([first.url, second.url], writers=8, writes_each=15)
    assert seen == list(range(1, before + 8 * 15 + 1))


@pytest.mark.long
@pytest.mark.servers
def test_seq_has_no_gaps_with_concurrent_writers_on_sqlite(tmp_path):
    with running_server(f"sqlite:///{tmp_path / 'seq.db'}", instance_dir=tmp_path) as server:
        before = http_login(server.url, "duty").get(f"{server.url}/api/events").json()["last_seq"]
        seen = _hammer_and_watch([server.url], writers=6, writes_each=10)
    assert seen == list(range(1, before + 60 + 1))


def test_text_the_fast_json_refuses_still_reads_back_and_pushes(duty):
    """A lone surrogate (valid JSON, invalid UTF-8) sent by a client: the fast codec falls back, the log
    still reads and every frame still encodes."""
    from dispatch import json_codec

    body = '{"title": "lone \\ud800 half", "n": 18446744073709551616}'
    assert json_codec.loads(body) == {"title": "lone \ud800 half", "n": 2**64}
    assert json_codec.loads(json_codec.dumps(json_codec.loads(body))) == json_codec.loads(body)
    assert json_codec.dumps({"t": "县纺织厂"}) == '{"t":"县纺织厂"}'  # UTF-8, not \\u escapes

    response = duty.post("/api/incidents", data=json_codec.dumps(incident_payload()).replace(
        '"title":"', '"title":"\\ud800 '), content_type="application/json")
    assert response.status_code in {201, 422}, response.get_json()
    events = duty.get("/api/events?after=0").get_json()["items"]
    assert len(events) == (1 if response.status_code == 201 else 0)
