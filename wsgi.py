"""The server entry point: `python wsgi.py` serves; `flask --app wsgi ...` runs commands.

The green-thread library is patched in here, first, and nowhere else in the
domain code: `DISPATCH_ASYNC_MODE` picks eventlet (default) or gevent.
"""
import signal
import warnings

from config import async_mode

if __name__ == "__main__":
    # Serving: patch before anything else is imported. `flask --app wsgi ...`
    # commands import this module without patching; they need no green threads.
    if async_mode() == "eventlet":
        warnings.filterwarnings("ignore", message=r"(?s).*Eventlet is deprecated")  # known; see README
        import eventlet

        eventlet.monkey_patch()  # also makes psycopg2 wait cooperatively
    elif async_mode() == "gevent":
        from gevent import monkey

        monkey.patch_all()
        from psycogreen.gevent import patch_psycopg

        patch_psycopg()

from dispatch import create_app  # noqa: E402
from realtime import init_app as init_realtime  # noqa: E402
from realtime.broadcast import start_background  # noqa: E402
from realtime.serving import serve_forever  # noqa: E402

app = create_app()
socketio = init_realtime(app)


def serve() -> None:
    from dispatch.backup import hold_server_lock
    from dispatch.capacity import capacity_line, raise_open_file_limit, screen_capacity
    from dispatch.demo import DEMO_PASSWORD, load_demo_if_empty
    from dispatch.migrate import upgrade
    from dispatch.coordination import run_deadline_loop
    from dispatch.duty.sender import configured, run_sender

    connections = app.config["MAX_CONNECTIONS"]
    raise_open_file_limit(connections)  # before anything opens: the database, the listening socket
    lock = hold_server_lock(app.config["DATABASE_URL"])  # noqa: F841  (held while serving: `restore` refuses)
    with app.app_context():
        upgrade()
        loaded = load_demo_if_empty()
    start_background(app, socketio)
    socketio.start_background_task(run_deadline_loop, app, sleep=socketio.sleep)
    socketio.start_background_task(run_sender, app, sleep=socketio.sleep)
    host, port = app.config["HOST"], app.config["PORT"]
    print(f"\n  Dispatch is serving on http://{host}:{port}/", flush=True)
    print(capacity_line(connections), flush=True)
    if loaded:
        print(f"  Demo users (password {DEMO_PASSWORD}): duty (command), leader, admin, "
              "psb, lvb, hrss, hurd, nr, ee, jus, hlth, em, twn-e, twn-w (liaisons)\n", flush=True)
    channels = configured(app)
    if channels:
        print(f"  Notifications go out by {' and '.join(channels)}, and to the units' group robots where set.\n",
              flush=True)
    else:
        print("  No SMS gateway or SMTP server is set (DISPATCH_SMS_URL, DISPATCH_SMTP_URL): only the browser\n"
              "  alerts reach people (and the units' DingTalk/WeCom robots, where an administrator set them).\n",
              flush=True)
    # Ctrl-C and a process manager's SIGTERM both stop the server the same clean way.
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        serve_forever(app, socketio, host, port, screen_capacity(connections))
    except SystemExit:
        pass
    print("  Dispatch stopped.", flush=True)


def _stop(signum, frame):
    raise SystemExit(0)


if __name__ == "__main__":
    serve()
