"""Response headers that keep the pages to themselves, and cookies that stay on HTTPS.

flask-talisman sets the headers. The Content-Security-Policy allows only this
server's own scripts, styles, images and fonts (every one is under `static/`),
no inline script or style attribute, and no framing by any page.
"""
from __future__ import annotations

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from flask_talisman import Talisman

# the sign-in's device cookie (auth/throttle.py): a browser the username signed in from before
DEVICE_COOKIE = "dispatch_device"

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",  # the API and the live socket (same origin, ws: and wss: included)
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

talisman = Talisman()
# Strict-Transport-Security, sent only when the request really came over HTTPS: TLS at this server, or at the
# trusted proxy (PROXY_HOPS > 0, whose X-Forwarded-Proto ProxyFix has applied). Talisman would believe any
# client's X-Forwarded-Proto, with no proxy in front to set it.
HSTS = "max-age=31556926; includeSubDomains"
# What Engine.IO answers itself (the live socket's long-polling, before Flask sees the request) is no page:
# nothing in it may load, frame or be sniffed as one.
SOCKET_ANSWER_HEADERS = (
    ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
)


def _policy(map_tiles: str) -> dict:
    """The policy above; the map's images may also come from the intranet's tile server when one is set."""
    origin = "/".join(map_tiles.split("/", 3)[:3]) if map_tiles.startswith(("http://", "https://")) else ""
    return {**CONTENT_SECURITY_POLICY, "img-src": f"'self' data: {origin}".strip()} if origin else CONTENT_SECURITY_POLICY


class SessionCookies(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the browser came over HTTPS (through the proxy too)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return super().get_cookie_secure(app) or request.is_secure

    def save_session(self, app: Flask, session, response) -> None:
        """The session's cookie comes first among the answer's cookies (before the sign-in's device cookie):
        a client that keeps the first `Set-Cookie` of a sign-in keeps its session."""
        super().save_session(app, session, response)
        cookies = response.headers.getlist("Set-Cookie")
        name = self.get_cookie_name(app) + "="
        if any(cookie.startswith(DEVICE_COOKIE + "=") for cookie in cookies) and not cookies[0].startswith(name):
            response.headers.remove("Set-Cookie")
            for cookie in sorted(cookies, key=lambda cookie: not cookie.startswith(name)):
                response.headers.add("Set-Cookie", cookie)


def init_app(app: Flask) -> None:
    app.session_interface = SessionCookies()
    talisman.init_app(
        app,
        # TLS ends at the reverse proxy, which redirects plain HTTP itself (deploy/nginx.conf)
        force_https=False,
        strict_transport_security=False,  # set by _hsts, which believes only the trusted proxy
        content_security_policy=_policy(app.config.get("DISPATCH_MAP_TILES") or ""),
        frame_options="DENY",
        referrer_policy="same-origin",
        x_content_type_options=True,
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
    )
    app.after_request(_hsts)


def _hsts(response):
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = HSTS
    return response


def guard_answers_flask_never_sees(wsgi_app, prefix: str = "/socket.io"):
    """WSGI middleware: the headers above on every answer under `prefix` (served before Flask is reached)."""
    def middleware(environ, start_response):
        if not environ.get("PATH_INFO", "").startswith(prefix):
            return wsgi_app(environ, start_response)

        def start(status, headers, exc_info=None):
            present = {name.lower() for name, _value in headers}
            headers = [*headers, *((name, value) for name, value in SOCKET_ANSWER_HEADERS
                                   if name.lower() not in present)]
            if environ.get("wsgi.url_scheme") == "https":
                headers.append(("Strict-Transport-Security", HSTS))
            return start_response(status, headers, exc_info)

        return wsgi_app(environ, start)

    return middleware
