"""Sign-in limits against a real server, with real clients at once: guessing never shuts the owner out, and
attempts sent together get no more guesses than attempts sent one after the other (memory and Redis counts)."""
from __future__ import annotations

import shutil
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
import requests

from .support import IN_CI, PASSWORD, PrivateRedis, running_server

pytestmark = pytest.mark.servers

FREE = 5  # LOGIN_FREE_FAILURES_PER_USERNAME's default
# behind one reverse proxy, so each client names its address in X-Forwarded-For
SETTINGS = {"DISPATCH_PROXY_HOPS": "1", "DISPATCH_LOGIN_MAX_DELAY_PER_USERNAME": "1",
            "DISPATCH_LOGIN_FREE_FAILURES_PER_ADDRESS": "1000"}


@contextmanager
def server_with(storage: str, tmp_path, **env):
    """A real server counting sign-ins in memory, or in a Redis of this test's own."""
    if storage == "memory":
        with running_server(f"sqlite:///{tmp_path / 'limits.db'}", instance_dir=tmp_path,
                            env={**SETTINGS, **env}) as server:
            yield server
        return
    if not IN_CI and shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed here (CI runs this)")
    redis_server = PrivateRedis()
    redis_server.start()
    try:
        with running_server(f"sqlite:///{tmp_path / 'limits.db'}", instance_dir=tmp_path,
                            env={**SETTINGS, "RATELIMIT_STORAGE_URI": redis_server.url, **env}) as server:
            yield server
    finally:
        redis_server.stop()


def sign_in(base: str, address: str, password: str, http: requests.Session | None = None) -> requests.Response:
    return (http or requests).post(f"{base}/api/session", json={"username": "duty", "password": password},
                                   headers={"X-Forwarded-For": address}, timeout=30)


def burst(base: str, addresses: list[str]) -> Counter:
    """One wrong password from each address, all released at the same instant; the answers counted."""
    start = threading.Barrier(len(addresses))

    def guess(address):
        start.wait()
        return sign_in(base, address, "wrong-password")

    with ThreadPoolExecutor(len(addresses)) as pool:
        answers = list(pool.map(guess, addresses))
    return Counter(answer.status_code for answer in answers), max(
        int(answer.headers.get("Retry-After", 0)) for answer in answers)


@pytest.mark.parametrize("storage", ["memory", "redis"])
def test_wrong_passwords_sent_at_once_get_no_more_guesses_than_sent_one_by_one(storage, tmp_path):
    with server_with(storage, tmp_path) as server:
        evaluated = []
        for round_ in range(3):
            answers, retry_after = burst(server.url, [f"198.51.{round_}.{n}" for n in range(1, 41)])
            assert set(answers) <= {401, 429}, answers
            evaluated.append(answers[401])
            time.sleep(retry_after)  # the configured wait: a second or two
    print(f"\n{storage}: 40 wrong passwords at once from 40 addresses, three times after each wait: "
          f"{evaluated} evaluated (before: 7, then 3 after each wait)")
    assert evaluated == [FREE, 1, 1]


@pytest.mark.long
@pytest.mark.parametrize("storage", ["memory", "redis"])
def test_an_attacker_guessing_whenever_the_wait_ends_never_keeps_the_owner_out(storage, tmp_path):
    attacker_address, owner_elsewhere = "198.51.100.7", "203.0.113.9"
    with server_with(storage, tmp_path) as server:
        # the owner's office browser, behind the very address the attacker will use, signed in before
        office = requests.Session()
        assert sign_in(server.url, attacker_address, PASSWORD, office).status_code == 200
        guesses, stop = [], threading.Event()

        def attack():
            while not stop.is_set():
                answer = sign_in(server.url, attacker_address, "wrong-password")
                guesses.append(answer.status_code)
                if answer.status_code == 429:
                    stop.wait(int(answer.headers["Retry-After"]))  # one guess whenever the wait ends

        attacker = threading.Thread(target=attack)
        attacker.start()
        owner = []
        try:
            for _ in range(15):
                seen = len(guesses)
                while len(guesses) == seen and attacker.is_alive():  # each try right after another guess
                    time.sleep(0.01)
                owner.append(sign_in(server.url, owner_elsewhere, PASSWORD).status_code)
                owner.append(sign_in(server.url, attacker_address, PASSWORD, office).status_code)
        finally:
            stop.set()
            attacker.join()
        # and the attacker is still slowed: its own address waits
        assert Counter(guesses)[429] >= 1 and sign_in(server.url, attacker_address, "x").status_code == 429
    print(f"\n{storage}: the owner's right password during {len(guesses)} guesses "
          f"({Counter(guesses)[401]} evaluated): {Counter(owner)} (before: 429 on 13 of 15)")
    assert owner == [200] * 30


@pytest.mark.parametrize("storage", ["memory", "redis"])
def test_twenty_right_passwords_at_once_from_one_address_are_all_let_in(storage, tmp_path):
    """More at once than the free places: the later ones wait for the first to be judged, and are let in."""
    with server_with(storage, tmp_path) as server:
        start = threading.Barrier(20)

        def right(_):
            start.wait()
            return sign_in(server.url, "10.1.2.3", PASSWORD).status_code

        with ThreadPoolExecutor(20) as pool:
            assert list(pool.map(right, range(20))) == [200] * 20
