"""Test helpers shared by every test module: databases, users, API clients, real servers."""
from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from dispatch.db import driver_url

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
PG_BASE = PG_ADMIN_URL.rsplit("/", 1)[0]
IN_CI = os.environ.get("CI", "").lower() == "true"
PASSWORD = "dispatch-demo"


def postgres_available() -> bool:
    try:
        engine = create_engine(driver_url(PG_ADMIN_URL))
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:  # any failure to connect means: no PostgreSQL here
        return False


# Every run names its databases apart, so two runs on one server never drop each other's.
RUN_ID = os.environ.get("DISPATCH_TEST_RUN_ID") or f"{os.getpid()}_{uuid.uuid4().hex[:6]}"
CREATED_DATABASES: list[str] = []


def _admin_engine():
    return create_engine(driver_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")


def fresh_postgres_database(name: str) -> str:
    """A new database for this run only (named after `name` and the run); its URL.

    Without PostgreSQL a developer's run skips the test; with CI=true it fails,
    so the PostgreSQL paths are tested on every submission.
    """
    if not IN_CI and not postgres_available():
        pytest.skip(f"PostgreSQL does not answer at {PG_ADMIN_URL}")
    unique = f"{name}_{RUN_ID}"[:63]
    engine = _admin_engine()
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{unique}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{unique}"'))
        conn.execute(text(f'ALTER DATABASE "{unique}" SET synchronous_commit = off'))
    engine.dispose()
    CREATED_DATABASES.append(unique)
    return f"{PG_BASE}/{unique}"


def drop_created_databases() -> None:
    """At the end of the run: the databases this run made, and only those."""
    if not CREATED_DATABASES:
        return
    engine = _admin_engine()
    with engine.connect() as conn:
        for name in CREATED_DATABASES:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ApiClient:
    """A Flask test client signed in as one user; adds the CSRF header itself (as CTFd's does)."""

    def __init__(self, flask_client, username: str | None = None):
        self.client = flask_client
        self.csrf = None
        self.user = None
        if username:
            self.login(username)

    def login(self, username: str, password: str = PASSWORD):
        response = self.client.post("/api/session", json={"username": username, "password": password})
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        self.csrf, self.user = body["csrf_token"], body["user"]
        return response

    def _headers(self, headers):
        headers = dict(headers or {})
        if self.csrf:
            headers.setdefault("X-CSRF-Token", self.csrf)
        return headers

    def get(self, path, **kwargs):
        return self.client.get(path, **kwargs)

    def post(self, path, json=None, **kwargs):
        return self.client.post(path, json=json, headers=self._headers(kwargs.pop("headers", None)), **kwargs)

    def patch(self, path, json=None, **kwargs):
        return self.client.patch(path, json=json, headers=self._headers(kwargs.pop("headers", None)), **kwargs)

    def put(self, path, json=None, **kwargs):
        return self.client.put(path, json=json, headers=self._headers(kwargs.pop("headers", None)), **kwargs)

    def delete(self, path, **kwargs):
        return self.client.delete(path, headers=self._headers(kwargs.pop("headers", None)), **kwargs)


def send_workbook(client: ApiClient, path: str, data: bytes, dry_run: bool = False, language: str = "en"):
    """A workbook uploaded as the form's `file` (an import), in the user's language."""
    return client.client.post(path + ("?dry_run=1" if dry_run else ""),
                              data={"file": (io.BytesIO(data), "workbook.xlsx")}, content_type="multipart/form-data",
                              headers={**client._headers(None), "Accept-Language": language})


def incident_payload(**overrides) -> dict:
    payload = {
        "kind": "mass_incident", "title": "Workers at the gate", "category": "wage_arrears",
        "location": "County government gate", "occurred_at": "2026-11-24T08:30:00+08:00",
        "headcount": 300, "demands": "Unpaid wages", "level": "II",
    }
    payload.update(overrides)
    return payload


@contextmanager
def running_server(database_url: str, *, env: dict | None = None, instance_dir: Path | None = None,
                   preexec_fn=None):
    """`python wsgi.py` as a real process (eventlet, as in production); yields its base URL.
    `preexec_fn` runs in the child before it starts (e.g. to set its resource limits)."""
    port = free_port()
    full_env = {
        **os.environ, "DATABASE_URL": database_url, "HOST": "127.0.0.1", "PORT": str(port),
        "DISPATCH_PROFILE": "test", "PYTHONUNBUFFERED": "1",
    }
    if instance_dir is not None:
        full_env["DISPATCH_INSTANCE_DIR"] = str(instance_dir)
    full_env.update(env or {})
    log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"dispatch-server-{port}.log"
    log_path.write_text("")
    process = start_server(full_env, log_path, preexec_fn=preexec_fn)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_answer(f"{base}/healthz", process, log_path, timeout=60)
        server = type("Server", (), {"url": base, "process": process, "port": port, "log": log_path,
                                     "database_url": database_url, "instance_dir": instance_dir})()
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def start_server(env: dict, log: Path, preexec_fn=None):
    """`python wsgi.py` in its own session with `env`, its output appended to `log`; a Popen or what the
    tests use of one. With the default green threads it is forked from this worker's preloaded process
    (tests/preloaded.py: the imports paid once); another library, or a limit set before it starts, gets
    a process started from nothing."""
    if preexec_fn is None and env.get("DISPATCH_ASYNC_MODE", "eventlet") == "eventlet":
        return ForkedServer(_preloaded.ask({"start": {"env": env, "log": str(log)}})["pid"])
    with open(log, "a") as out:
        return subprocess.Popen([sys.executable, "wsgi.py"], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=preexec_fn)


class _Preloaded:
    """This worker's tests/preloaded.py, started with its first server."""

    def __init__(self):
        self.process = None
        self.lock = threading.Lock()

    def ask(self, question: dict) -> dict:
        with self.lock:
            if self.process is None or self.process.poll() is not None:
                self.process = subprocess.Popen([sys.executable, str(ROOT / "tests" / "preloaded.py")], cwd=ROOT,
                                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                                start_new_session=True)
            self.process.stdin.write(json.dumps(question) + "\n")
            self.process.stdin.flush()
            answer = self.process.stdout.readline()
            if not answer:
                raise RuntimeError("the preloaded server process ended; its words are above")
            return json.loads(answer)


_preloaded = _Preloaded()


class ForkedServer:
    """A server forked by the preloaded process: what the tests use of a Popen (its parent reaps it)."""

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = _preloaded.ask({"poll": self.pid})["returncode"]
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if not wait_until(lambda: self.poll() is not None, 24 * 3600 if timeout is None else timeout, every=0.02):
            raise subprocess.TimeoutExpired("wsgi.py", timeout)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:  # until it is polled, its pid is its own (not reaped, not reused)
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def wait_until(condition, timeout: float = 30, every: float = 0.05):
    """Poll `condition` until it is true (its value is returned) or `timeout` seconds pass (then None)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value or None
        time.sleep(every)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.RequestException:
        return False


def wait_for_answer(url: str, process: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    """Poll `url` until it answers 200; the process's own words if it ended first or never answered."""
    if not wait_until(lambda: process.poll() is not None or _answers(url), timeout, every=0.1) \
            or process.poll() is not None:
        raise RuntimeError(f"{url} did not answer:\n{log.read_text()[-3000:]}")


@contextmanager
def answering_process(command: list[str], url: str, log: Path, **popen):
    """`command` started with its output in `log`, once `url` answers 200 (its last words if it never does);
    terminated afterwards."""
    with open(log, "w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, **popen)
    try:
        wait_for_answer(url, process, log)
        yield process
    finally:
        process.terminate()
        process.wait(10)


def http_login(base: str, username: str) -> requests.Session:
    """A real HTTP session signed in as `username`, sending the CSRF header on every request."""
    http = requests.Session()
    response = http.post(f"{base}/api/session", json={"username": username, "password": PASSWORD}, timeout=10)
    response.raise_for_status()
    http.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return http


@contextmanager
def another_app(database_url: str, **overrides):
    """A second app (other settings or another database) for one test; the suite's app is bound again after."""
    from dispatch import create_app
    from dispatch.db import db

    saved = db.engine
    try:
        yield create_app("test", DATABASE_URL=database_url, **overrides)
    finally:
        db.session.remove()
        if db.engine is not saved:
            db.engine.dispose()
        db.engine = saved
        db.session.configure(bind=saved)


class PrivatePostgres:
    """A PostgreSQL server of this test's own (initdb in a temp folder, a free port), to stop and start at will.

    The drills stop databases; they never touch the shared server other runs use.
    As root, the server runs as the `postgres` user (PostgreSQL refuses root).
    """

    def __init__(self):
        import shutil
        import tempfile

        self.root = Path(tempfile.mkdtemp(prefix="dispatch-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.process = None
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as:
            shutil.chown(self.root, "postgres")
        subprocess.run([*self._as, "initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [*self._as, "postgres", "-D", str(self.data), "-p", str(self.port), "-k", str(self.root),
             "-h", "127.0.0.1", "-c", "fsync=off", "-c", "max_connections=100"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        ready = wait_until(lambda: self.process.poll() is not None or subprocess.run(
            ["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(self.port)]).returncode == 0, 30, every=0.2)
        if not ready or self.process.poll() is not None:
            raise RuntimeError("private PostgreSQL did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, 2)  # SIGINT: PostgreSQL's fast shutdown
            self.process.wait(30)
        self.process = None

    def close(self) -> None:
        import shutil

        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


class PrivateRedis:
    """A Redis server of this test's own on a free port, to stop and start at will."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        import redis

        self.process = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                                         "--save", "", "--appendonly", "no"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        def answers() -> bool:
            try:
                return redis.Redis.from_url(self.url, socket_timeout=1).ping()
            except redis.RedisError:
                return False

        if not wait_until(answers, 15, every=0.1):
            raise RuntimeError("private Redis did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(15)
        self.process = None
_APPEND_EVENTS = """
import sys
from dispatch import create_app
from dispatch.events import unit_of_work
app = create_app("test")
with app.app_context():
    with unit_of_work() as uow:
        for n in range(int(sys.argv[1])):
            uow.append_event("incident.updated", data={"changes": {"filler": n}})
"""


def append_events(database_url: str, count: int, instance_dir: Path | None = None) -> None:
    """`count` events appended to a server's log in one transaction, through the one write path.

    Its own process: building an app here would rebind this test run's database.
    """
    env = {**os.environ, "DATABASE_URL": database_url, "DISPATCH_PROFILE": "test"}
    if instance_dir is not None:
        env["DISPATCH_INSTANCE_DIR"] = str(instance_dir)
    subprocess.run([sys.executable, "-c", _APPEND_EVENTS, str(count)], cwd=ROOT, env=env, check=True, timeout=120)
