"""Dispatch: group-incident coordination and dispatch."""
from __future__ import annotations

import json
import logging
import time

from flask import Flask, g, request
from werkzeug.exceptions import BadRequest
from werkzeug.middleware.proxy_fix import ProxyFix
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

from config import load_config

from . import security
from .db import db as database  # not `db`: that name is the dispatch.db module
from .errors import BadRequest, register_error_handlers
from .extensions import api, limiter
from .facts import county
from .schemas import MAX_ID

log = logging.getLogger("dispatch.request")


def create_app(profile: str | None = None, **overrides) -> Flask:
    app = Flask(__name__, static_folder="../static", template_folder="../templates")
    app.url_map.converters["int"] = IdConverter
    app.config.update(load_config(profile, **overrides))
    app.config["PERMANENT_SESSION_LIFETIME"] = int(app.config["SESSION_ABSOLUTE_HOURS"] * 3600)
    app.json.sort_keys = False
    with app.app_context():
        county.outline_box()  # a county outline that cannot be read stops the server now, naming the file
    if app.config["PROXY_HOPS"]:
        # behind nginx: the client's address, scheme and host from the X-Forwarded-* of that many proxies
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    database.init_app(app)
    security.init_app(app)
    limiter.init_app(app)
    api.init_app(app)
    register_error_handlers(app)
    _guard_json(app)
    _log_requests(app)

    from .auth import current
    from .auth.sign_on import blp as sign_on_blp
    from .auth.views import blp as auth_blp
    from .feed import blp as feed_blp
    from .feed import ops
    from .incidents.views import blp as incidents_blp
    from .pages import i18n
    from .pages.views import pages

    from . import audit

    audit.init_app(app)
    current.init_app(app)
    for blueprint in (auth_blp, incidents_blp, feed_blp):
        api.register_blueprint(blueprint)
    for module in _area_views():
        api.register_blueprint(module.blp)
    app.register_blueprint(ops)
    app.register_blueprint(pages)
    app.register_blueprint(sign_on_blp)
    i18n.init_app(app)

    from . import cli

    cli.init_app(app)
    return app


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: an id past the database's range matches nothing (404), never an overflow."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _area_views():
    """Areas that publish API views of their own, in the order they were built."""
    from .hidden_dangers import views as hidden_dangers
    from .attachments import views as attachments
    from .duty import views as duty
    from .instructions import views as instructions
    from .meetings import views as meetings
    from .organisation import views as organisation
    from .places import views as places
    from .reviews import views as reviews
    from .reports import views as reports
    from .representatives import views as representatives
    from .response_plans import views as response_plans
    from .statistics import views as statistics
    from .tasks import views as tasks

    return (representatives, tasks, instructions, hidden_dangers, attachments, meetings, reports, response_plans,
            statistics, duty, organisation, places, reviews)


def _guard_json(app: Flask) -> None:
    """Broken or absurdly nested JSON is the client's mistake: 400, never a 500."""

    @app.before_request
    def _parse_json_once():
        # only a JSON body is read here (within MAX_CONTENT_LENGTH); an upload streams to its view
        if request.method in {"POST", "PUT", "PATCH", "DELETE"} and request.content_length and request.is_json:
            try:
                json.loads(request.get_data(cache=True))
            except (ValueError, RecursionError):
                raise BadRequest(_("The body is not valid JSON: check its brackets, quotes and commas.")) from None


def _log_requests(app: Flask) -> None:
    """One line per request; never a body, so no password, token or identity number."""

    @app.before_request
    def _start_clock():
        g.started = time.perf_counter()

    # What escapes Flask's own handling (an application context that fails to close) becomes eventlet's
    # bare 500, which the server's quiet output would not show: it is logged here, with its trace.
    handled = app.wsgi_app

    def wsgi_app(environ, start_response):
        try:
            return handled(environ, start_response)
        except Exception:
            log.exception("%s %s 500: failed outside the request's error handling",
                          environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"))
            raise

    app.wsgi_app = wsgi_app

    @app.after_request
    def _log(response):
        elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        # the id noted at sign-in: a database that went away mid-request has detached the user's row
        log.info("%s %s %s user=%s %.1fms", request.method, request.path, response.status_code,
                 g.get("actor_id") or "-", elapsed)
        return response
