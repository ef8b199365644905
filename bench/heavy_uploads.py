"""Uploads that cost to inspect: /healthz while 1 and 3 docx-shaped zips of 230 000 members are sent at once.

    .venv/bin/python bench/heavy_uploads.py

A real server (`python wsgi.py`, eventlet, a fresh SQLite file); the duty
officer sends the zips to one incident while a prober asks /healthz every 20 ms.
With the default limits one user runs two at once (the third is answered 429).
Prints each upload's answer and the probe's median and worst latency beside the
quiet figure. The zip (about 19 MB) is built once into the temporary folder.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support import http_login, incident_payload, running_server  # noqa: E402
from tests.test_heavy_work import MEMBERS, health_probe, many_member_docx, upload_burst  # noqa: E402

def main() -> None:
    body = many_member_docx()
    with tempfile.TemporaryDirectory() as folder, \
            running_server(f"sqlite:///{folder}/bench.db", instance_dir=Path(folder),
                           env={"DISPATCH_PROFILE": "default", "DISPATCH_ARGON2_TIME_COST": "1",
                                "DISPATCH_ARGON2_MEMORY_COST": "64"}) as server:
        http = http_login(server.url, "duty")
        incident = http.post(f"{server.url}/api/incidents", json=incident_payload(), timeout=10).json()
        quiet = health_probe(server.url)
        time.sleep(1)
        quiet_ms = quiet()
        print(f"zip of {MEMBERS} members, {len(body) / 1e6:.1f} MB; /healthz quiet: "
              f"median {statistics.median(quiet_ms):.0f} ms, worst {max(quiet_ms):.0f} ms")
        for count in (1, 3):
            answers, latencies = upload_burst(server.url, incident["id"], body, count)
            print(f"{count} upload(s): answers {[code for code, _ in answers]} in "
                  f"{max(s for _, s in answers):.2f} s; /healthz median {statistics.median(latencies):.0f} ms, "
                  f"worst {max(latencies):.0f} ms over {len(latencies)} probes")


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
