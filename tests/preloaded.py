"""`python wsgi.py` without paying for its imports each time: a process that has patched and imported
what the server imports, and forks a server for each start the tests ask for.

Every child is a real server process of its own (its own session, port, log and environment) that runs
wsgi.py as `__main__`, exactly as `python wsgi.py` does; only the imports, two of the three seconds
of CPU a start costs, are done once per test worker instead of once per start. The tests talk to it
over its standard input and output, one JSON line each way:
  {"start": {"env": {...}, "log": path}}  -> {"pid": n}
  {"poll": n}                             -> {"returncode": null | code}
"""
from __future__ import annotations

import importlib
import json
import os
import pkgutil
import runpy
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def preload() -> None:
    """What wsgi.py does before it reads any setting: patch the green threads, then import every module."""
    warnings.filterwarnings("ignore", message=r"(?s).*Eventlet is deprecated")
    import eventlet

    eventlet.monkey_patch()
    sys.path.insert(0, str(ROOT))
    for package in ("dispatch", "realtime"):
        module = importlib.import_module(package)
        for found in pkgutil.walk_packages(module.__path__, f"{package}."):
            importlib.import_module(found.name)


def serve(env: dict, log: str) -> None:
    """In the child: a session, output and settings of its own, then wsgi.py as `python wsgi.py` runs it."""
    import eventlet.hubs

    eventlet.hubs.use_hub()  # a hub of its own: the one an import made shares its epoll with the siblings
    os.setsid()
    out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.close(out)
    sys.stdout = open(1, "w", buffering=1, closefd=False)
    sys.stderr = open(2, "w", buffering=1, closefd=False)
    os.environ.clear()
    os.environ.update(env)
    os.chdir(ROOT)
    sys.argv = [str(ROOT / "wsgi.py")]
    code = 0
    try:
        runpy.run_path(str(ROOT / "wsgi.py"), run_name="__main__")
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    except BaseException:  # what `python wsgi.py` would print before it died
        import traceback

        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main() -> None:
    preload()
    answers = open(os.dup(1), "w", buffering=1)  # io's, not the green os.fdopen
    os.dup2(2, 1)  # a stray print must not land in the answers
    exited: dict[int, int] = {}
    for line in sys.stdin:
        asked = json.loads(line)
        if "start" in asked:
            answers.flush()
            pid = os.fork()
            if pid == 0:
                answers.close()
                serve(asked["start"]["env"], asked["start"]["log"])
            answers.write(json.dumps({"pid": pid}) + "\n")
        else:
            pid = asked["poll"]
            if pid not in exited:
                try:
                    done, status = os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:  # not one of this process's servers: nothing to wait for
                    done, status = pid, 0
                if done:
                    exited[pid] = os.waitstatus_to_exitcode(status)
            answers.write(json.dumps({"returncode": exited.get(pid)}) + "\n")


if __name__ == "__main__":
    main()
