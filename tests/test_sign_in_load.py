"""A flood of wrong passwords never stalls the server: hashing runs on real threads, a few at a time."""
from __future__ import annotations

import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from .support import running_server

pytestmark = [pytest.mark.servers, pytest.mark.long]

# production's argon2 costs (config.Config), not the tests' cheap ones
REAL_HASHING = {"DISPATCH_ARGON2_TIME_COST": "3", "DISPATCH_ARGON2_MEMORY_COST": "65536",
                "DISPATCH_LOGIN_FREE_FAILURES_PER_ADDRESS": "1000"}
SIGN_INS = 16


def test_sixteen_concurrent_wrong_passwords_leave_the_health_check_fast(tmp_path):
    with running_server(f"sqlite:///{tmp_path / 'load.db'}", env=REAL_HASHING, instance_dir=tmp_path) as server:
        def health_ms():
            started = time.perf_counter()
            assert requests.get(f"{server.url}/healthz", timeout=30).status_code == 200
            return (time.perf_counter() - started) * 1000

        quiet = [health_ms() for _ in range(10)]
        done = threading.Event()
        under_load: list[float] = []

        def probe():
            while not done.is_set():
                under_load.append(health_ms())
                time.sleep(0.02)

        def wrong_sign_in(n):
            started = time.perf_counter()
            response = requests.post(f"{server.url}/api/session", timeout=60,
                                     json={"username": f"nobody{n}", "password": "wrong-password"})
            return response.status_code, time.perf_counter() - started

        prober = threading.Thread(target=probe)
        prober.start()
        started = time.perf_counter()
        with ThreadPoolExecutor(SIGN_INS) as pool:
            answers = list(pool.map(wrong_sign_in, range(SIGN_INS)))
        flood_seconds = time.perf_counter() - started
        done.set()
        prober.join()
    print(f"\n/healthz quiet: median {statistics.median(quiet):.0f} ms; during {SIGN_INS} concurrent wrong "
          f"sign-ins ({flood_seconds:.2f} s in all, slowest answer {max(s for _, s in answers):.2f} s): "
          f"median {statistics.median(under_load):.0f} ms, worst {max(under_load):.0f} ms over {len(under_load)} probes")
    assert [code for code, _ in answers] == [401] * SIGN_INS
    assert len(under_load) >= 3
    assert max(under_load) < 1500  # a generous bound: hashing on the loop took seconds
