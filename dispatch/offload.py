"""CPU-heavy work (password hashing, building files) off the event loop's thread.

The domain calls `run_off_loop(fn, *args)` and knows nothing of green threads:
the server's live layer (`realtime/`) installs the runner that hands the call to
a real thread pool (eventlet's `tpool.execute`, gevent's hub thread pool) when
it starts. Until then, and in commands and tests, it is a plain call.
"""
from __future__ import annotations

from typing import Any, Callable

_runner: Callable[..., Any] | None = None


def install(runner: Callable[..., Any] | None) -> None:
    """`runner(fn, *args)` runs `fn(*args)` on a real thread and waits for it without blocking the loop."""
    global _runner
    _runner = runner


def run_off_loop(fn: Callable[..., Any], *args: Any) -> Any:
    if _runner is None:
        return fn(*args)
    return _runner(fn, *args)
