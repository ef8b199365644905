"""A situation report of an incident with 50 tasks: its printable page and its PDF, beside the incident page.

    .venv/bin/python bench/report_render.py [--tasks 50] [--runs 7] [--json bench/results/report_render.json]

One real server (`python wsgi.py`, eventlet, SQLite, the demo data). An incident
gets `--tasks` tasks over the units, 10 representatives, 3 instructions (one
acknowledged) and 6 headcount reports, and command publishes a report of it.
Measured over HTTP, the median of `--runs` requests each:

- baseline: the incident page (`GET /incidents/<id>`), the server's own render of the same incident;
- the printable report page (`GET /reports/<id>`);
- the PDF in Chinese and in English (`GET /api/reports/<id>.pdf?lang=`), built for the first time
  (`--runs` reports of the same incident, each asked for once), and asked for again (kept).

Printed: each figure and its ratio to the baseline. While a PDF is built, a
second client asks `/healthz` over and over: the slowest answer shows whether
the event loop stayed free (the PDF is built on a real thread, off the loop).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from tests.support import http_login, incident_payload, running_server  # noqa: E402

ID_NUMBERS = ["110101195306153019", "11010519491231002X"]


def arrange(base: str, tasks: int) -> int:
    duty, leader = http_login(base, "duty"), http_login(base, "leader")
    units = [u for u in duty.get(f"{base}/api/units", timeout=10).json()["items"] if u["kind"] != "command"]
    incident = duty.post(f"{base}/api/incidents", timeout=10, json=incident_payload(
        title="县纺织厂三百余名下岗职工到县政府门前聚集讨薪 Laid-off textile workers at the county gate",
        demands="补发拖欠工资及社保；" * 20)).json()
    incident_id = incident["id"]
    due = (datetime.now(timezone.utc) + timedelta(hours=4)).isoformat()
    for n in range(tasks):
        answer = duty.post(f"{base}/api/incidents/{incident_id}/tasks", timeout=10, json={
            "unit_id": units[n % len(units)]["id"], "title": f"第{n + 1}项：核实并答复职工诉求，做好解释疏导工作",
            "instructions": "当面沟通。", "priority": "high", "due_at": due})
        answer.raise_for_status()
    for n in range(10):
        duty.post(f"{base}/api/incidents/{incident_id}/representatives", timeout=10,
                  json={"name": f"职工代表{n + 1}号", "id_number": ID_NUMBERS[n % 2] if n < 2 else None} if n < 2
                  else {"name": f"职工代表{n + 1}号"})
    for n in range(3):
        instruction = leader.post(f"{base}/api/incidents/{incident_id}/instructions", timeout=10,
                                  json={"text": f"第{n + 1}条批示：依法依规，妥善处置。"}).json()
    duty.post(f"{base}/api/instructions/{instruction['id']}/acknowledgements", json={}, timeout=10)
    for headcount in (320, 360, 410, 380, 300, 250):
        duty.post(f"{base}/api/incidents/{incident_id}/headcount-reports", json={"headcount": headcount}, timeout=10)
    return incident_id


def publish(base: str, incident_id: int) -> int:
    duty = http_login(base, "duty")
    report = duty.post(f"{base}/api/incidents/{incident_id}/reports", timeout=30, json={
        "kind": "follow_up", "summary": "现场总体可控。", "next_steps": "继续做好疏导。"})
    report.raise_for_status()
    return report.json()["id"]


def timed(http: requests.Session, url: str, runs: int) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        answer = http.get(url, timeout=60)
        times.append((time.perf_counter() - started) * 1000)
        answer.raise_for_status()
        size = len(answer.content)
    return statistics.median(times), size


def loop_while_pdf(http: requests.Session, base: str, pdf_url: str) -> float:
    """The slowest /healthz answer while a PDF is being built (ms)."""
    done = threading.Event()
    slowest = [0.0]

    def ping():
        probe = requests.Session()
        while not done.is_set():
            started = time.perf_counter()
            probe.get(f"{base}/healthz", timeout=30)
            slowest[0] = max(slowest[0], (time.perf_counter() - started) * 1000)

    pinger = threading.Thread(target=ping)
    pinger.start()
    try:
        http.get(pdf_url, timeout=60).raise_for_status()
    finally:
        done.set()
        pinger.join()
    return slowest[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=50)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", default=str(ROOT / "bench/results/report_render.json"))
    parser.add_argument("--save", help="a folder to keep the report's page and PDFs in, to look at")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, \
            running_server(f"sqlite:///{folder}/bench.db", instance_dir=Path(folder)) as server:
        base = server.url
        incident_id = arrange(base, args.tasks)
        report_ids = [publish(base, incident_id) for _ in range(args.runs + 1)]
        http = http_login(base, "leader")
        report_id = report_ids[0]
        pdf = f"{base}/api/reports/{report_id}.pdf"
        baseline, page_size = timed(http, f"{base}/incidents/{incident_id}?lang=zh", args.runs)
        figures = {"report_page": timed(http, f"{base}/reports/{report_id}?lang=zh", args.runs)}
        # each report's PDF built the first time it is asked for (a new report each run), then kept
        for lang in ("zh", "en"):
            built = [timed(http, f"{base}/api/reports/{other}.pdf?lang={lang}", 1) for other in report_ids[1:]]
            figures[f"pdf_{lang}"] = (statistics.median(ms for ms, _size in built), built[-1][1])
        figures["pdf_zh_again"] = timed(http, f"{pdf}?lang=zh", args.runs)
        slowest_health = loop_while_pdf(http, base, f"{pdf}?lang=en")
        if args.save:
            Path(args.save).mkdir(parents=True, exist_ok=True)
            for lang in ("zh", "en"):
                (Path(args.save) / f"report-{lang}.pdf").write_bytes(http.get(f"{pdf}?lang={lang}", timeout=60).content)
                (Path(args.save) / f"report-{lang}.html").write_bytes(
                    http.get(f"{base}/reports/{report_id}?lang={lang}", timeout=60).content)
    print(f"incident with {args.tasks} tasks; median of {args.runs} requests each (the PDF's first build: "
          f"{args.runs} reports)")
    print(f"  baseline  incident page      {baseline:8.1f} ms  ({page_size / 1024:.0f} KiB)")
    for name, (ms, size) in figures.items():
        print(f"  {name:<26}{ms:8.1f} ms  ({size / 1024:.0f} KiB)  ratio {ms / baseline:5.1f}x the incident page")
    print(f"  slowest /healthz while a PDF was built: {slowest_health:.1f} ms (the loop stays free)")
    result = {"tasks": args.tasks, "runs": args.runs, "incident_page_ms": round(baseline, 1),
              **{f"{name}_ms": round(ms, 1) for name, (ms, _size) in figures.items()},
              **{f"{name}_ratio": round(ms / baseline, 2) for name, (ms, _size) in figures.items()},
              **{f"{name}_bytes": size for name, (_ms, size) in figures.items()},
              "slowest_healthz_during_pdf_ms": round(slowest_health, 1),
              "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    print(f"  written to {args.json}")


if __name__ == "__main__":
    main()
