"""The real thread pool behind `dispatch.offload.run_off_loop`, for the green-thread library in use.

Installed only when the server patched the process (wsgi.py): a command or a
test that runs unpatched keeps the plain call.
"""
from __future__ import annotations

from dispatch import offload


def install_thread_pool(async_mode: str) -> None:
    if async_mode == "eventlet":
        from eventlet import patcher, tpool

        if patcher.is_monkey_patched("thread"):
            offload.install(tpool.execute)
    elif async_mode == "gevent":
        import gevent
        from gevent import monkey

        if monkey.is_module_patched("threading"):
            offload.install(lambda fn, *args: gevent.get_hub().threadpool.apply(fn, args))
