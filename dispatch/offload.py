"""CPU-heavy work (password hashing, building files, inspecting uploads) off the event loop's thread, bounded.

The domain calls `run_off_loop(fn, *args)` and knows nothing of green threads:
the server's live layer (`realtime/`) installs the runner that hands the call to
a real thread pool (eventlet's `tpool.execute`, gevent's hub thread pool) when
it starts. Until then, and in commands and tests, it is a plain call.

`run_heavy(owner, fn, *args)` is the same call for the work one request asks of
the server (an upload's inspection, a workbook, a PDF, a year of statistics):
at most HEAVY_JOBS_PER_USER of one user's and HEAVY_JOBS_TOTAL in all run or
wait at once. Past that the request is refused at once (429 for the user, 503
for the server) with a Retry-After, so no one can queue unbounded work.
"""
from __future__ import annotations

import threading
from collections import Counter
from contextlib import contextmanager
from typing import Any, Callable, Hashable, Iterator

from flask import current_app
from flask_babel import gettext as _

from .errors import ServerBusy, TooManyRequests

_runner: Callable[..., Any] | None = None
_jobs: Counter = Counter()  # owner -> heavy jobs running or waiting for a thread
_jobs_lock = threading.Lock()  # held for a count, never across the work
RETRY_AFTER_SECONDS = 5


def install(runner: Callable[..., Any] | None) -> None:
    """`runner(fn, *args)` runs `fn(*args)` on a real thread and waits for it without blocking the loop."""
    global _runner
    _runner = runner


def run_off_loop(fn: Callable[..., Any], *args: Any) -> Any:
    if _runner is None:
        return fn(*args)
    return _runner(fn, *args)


@contextmanager
def heavy_job(owner: Hashable) -> Iterator[None]:
    """One of the bounded heavy jobs, for `owner` (a user's id); refused at once when there is no room."""
    config = current_app.config
    with _jobs_lock:
        if _jobs[owner] >= config["HEAVY_JOBS_PER_USER"]:
            refusal: Exception | None = TooManyRequests(
                _("You already have {n} large jobs (uploads, exports, PDFs) running: wait for them to finish, then "
                  "try again.").format(n=config["HEAVY_JOBS_PER_USER"]), retry_after=RETRY_AFTER_SECONDS)
        elif sum(_jobs.values()) >= config["HEAVY_JOBS_TOTAL"]:
            refusal = ServerBusy(_("The server is busy with other large jobs (uploads, exports, PDFs): try again in a "
                                   "few seconds."), retry_after=RETRY_AFTER_SECONDS)
        else:
            refusal = None
            _jobs[owner] += 1
    if refusal is not None:
        raise refusal
    try:
        yield
    finally:
        with _jobs_lock:
            _jobs[owner] -= 1
            if _jobs[owner] <= 0:
                del _jobs[owner]


def run_heavy(owner: Hashable, fn: Callable[..., Any], *args: Any) -> Any:
    """`fn(*args)` on a real thread, counted as one of `owner`'s heavy jobs (refused when there is no room)."""
    with heavy_job(owner):
        return run_off_loop(fn, *args)
