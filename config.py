"""Settings: everything from the environment, nothing hard-wired.

`load_config()` is the one place that reads `os.environ`; the classes below are
the defaults for each kind of run.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _instance_dir() -> Path:
    """instance/ holds the keys and the SQLite database: the server's user alone may read it."""
    path = Path(os.environ.get("DISPATCH_INSTANCE_DIR", BASE_DIR / "instance"))
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    for kept in path.iterdir():  # what an older version left readable by others
        if kept.is_file() and not kept.is_symlink() and kept.stat().st_mode & 0o077:
            kept.chmod(0o600)
    return path


def private_file(path: Path) -> None:
    """Create `path` empty and readable by the owner only, unless it exists."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def _kept_secret(name: str, make) -> str:
    """A secret generated once on first run and kept under instance/ (the default set-up)."""
    path = _instance_dir() / name
    if not path.exists():
        private_file(path)  # never readable by others, not even for a moment
        path.write_text(make())
    return path.read_text().strip()


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    TESTING = False
    SOCKETIO_MESSAGE_QUEUE: str | None = None
    SOCKETIO_CHANNEL = "dispatch"  # Redis pub/sub is not scoped by database: one channel per deployment
    SOCKETIO_ASYNC_MODE = "eventlet"
    HEARTBEAT_SECONDS = 5.0
    RESUME_MAX_GAP = 10_000
    RESUME_PER_MINUTE = 30  # catch-ups of more than a page one connection may ask a minute (realtime/handlers.py)
    TEST_DROP_PUSHES = 0  # tests only: lose the live push of every frame holding a multiple of k (realtime/follower.py)
    # the least time between two frames; what commits meanwhile goes to batch clients as one `events` frame (with
    # many screens the gap is the last frame's own cost, realtime/follower.py)
    LIVE_BATCH_MS = 10
    LIVE_POLL_SECONDS = 1.0  # the log follower's safety net when no commit or NOTIFY woke it
    LIVE_PAGE_SIZE = 500  # events per read of the log, and per catch-up frame
    LIVE_FAN_OUT_CHUNK = 100  # sockets written between yields to the loop, so requests wait for no whole fan-out
    # permessage-deflate on the live sockets: off, so every screen's frame is packed once per fan-out and written
    # straight to it (realtime/direct.py); the frames are small JSON on an intranet. On: each browser's frames are
    # compressed for it alone (less traffic, several times the server's CPU per screen).
    LIVE_COMPRESSION = False
    # Connections served at once by one process: every open screen holds one for as long as it is open
    # (dispatch/capacity.py; the open-file limit is raised to fit, as far as the hard limit allows).
    MAX_CONNECTIONS = 10_000
    DISPATCH_TIMEZONE = "Asia/Shanghai"
    DISPATCH_OVERDUE_SCAN_SECONDS = 30.0
    # the map's base layer: an XYZ URL template of the intranet's tile server, else the county outline shipped
    DISPATCH_MAP_TILES = ""
    # a point more than this far outside the box of the county's outline (static/geo/townships.geojson) is refused
    COUNTY_MARGIN_KM = 20.0
    # the wall shows what does not fit in turns, this many seconds each
    DISPATCH_WALL_TURN_SECONDS = 15.0
    SESSION_IDLE_MINUTES = 8 * 60
    SESSION_ABSOLUTE_HOURS = 24
    SESSION_COOKIE_NAME = "dispatch_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    # Failed sign-ins (dispatch/auth/throttle.py): past the free ones within the window,
    # each further attempt waits 1, 2, 4 ... seconds, up to the maximum.
    LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60
    LOGIN_FREE_FAILURES_PER_USERNAME = 5  # from one address, one browser, and from new addresses together
    LOGIN_MAX_DELAY_PER_USERNAME = 60
    # from all addresses together (not the name's own browsers): more than one address can spend in a window
    LOGIN_FREE_FAILURES_ACROSS_ADDRESSES = 50
    LOGIN_FREE_FAILURES_PER_ADDRESS = 20  # a shared office address: many colleagues, some typos
    LOGIN_MAX_DELAY_PER_ADDRESS = 10
    # Heavy work a request asks (an upload's inspection, a workbook, a PDF, statistics; dispatch/offload.py):
    # at most this many of one user's, and this many in all, run or wait at once; past them: 429 / 503.
    HEAVY_JOBS_PER_USER = 2
    HEAVY_JOBS_TOTAL = 6
    # A report's PDF still building after this many seconds is stopped (503 pointing to the printable page).
    REPORT_RENDER_SECONDS = 30.0
    # Password hashes computed at once (each takes a core and ARGON2_MEMORY_COST KiB).
    HASH_CONCURRENCY = 2
    # Reverse proxies in front of the server that set X-Forwarded-For/-Proto/-Host (0: none).
    PROXY_HOPS = 0
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_ENABLED = True
    MAX_CONTENT_LENGTH = 1024 * 1024  # every body but an attachment's upload
    # An attachment (photo or document) may be this large; its upload alone gets the larger body limit.
    ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
    # The workbooks imported (the roster, POST /api/admin/import; the places, POST /api/places/import): the
    # size of one, and the rows a sheet may hold.
    IMPORT_MAX_BYTES = 5 * 1024 * 1024
    IMPORT_MAX_ROWS = 5000
    MAX_REPRESENTATIVES = 5
    SUPERVISION_ESCALATE_AFTER = 3
    INSTRUCTION_ACK_OVERDUE_MINUTES = 30
    # Reaching people who are not looking at a screen (dispatch/duty/): each channel is used when set.
    DISPATCH_SMS_URL: str | None = None  # the HTTP SMS gateway: POST JSON {phone, text, key}, Idempotency-Key
    DISPATCH_SMS_SIGNATURE = "【指挥中心】"  # every text begins with it
    DISPATCH_SMTP_URL: str | None = None  # smtp://host:port (smtps:// for TLS); smtp://user:password@host:port
    DISPATCH_SMTP_FROM = "dispatch@localhost"
    NOTIFY_ATTEMPTS = 5  # tries of one notification (same key) before it is `failed`
    NOTIFY_RETRY_SECONDS = 2.0  # the first retry's delay; doubling, at most NOTIFY_RETRY_MAX_SECONDS
    NOTIFY_RETRY_MAX_SECONDS = 60.0
    NOTIFY_TIMEOUT_SECONDS = 5.0  # one try's connect and answer
    NOTIFY_POLL_SECONDS = 1.0  # the sender's safety net when no commit woke it
    NOTIFY_BATCH = 50  # notifications claimed by one pass of the sender, tried side by side
    # A task's default time limit in hours, by incident level and priority (`due_at` left out).
    TASK_DUE_HOURS = {
        "I": {"urgent": 1, "high": 2, "normal": 4, "low": 8},
        "II": {"urgent": 2, "high": 4, "normal": 8, "low": 24},
        "III": {"urgent": 4, "high": 8, "normal": 24, "low": 48},
        "IV": {"urgent": 8, "high": 24, "normal": 48, "low": 72},
    }
    # A task not yet overdue is "due soon" within this many minutes of its deadline.
    TASK_DUE_SOON_MINUTES = 60
    # argon2-cffi's defaults (RFC 9106 low-memory profile)
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    BABEL_DEFAULT_LOCALE = "zh"
    LANGUAGES = ["zh", "en"]
    # The language the demo's incidents, people and tasks are written in (data, not the UI): zh or en.
    DISPATCH_DEMO_LANGUAGE = "zh"
    # flask-smorest
    API_TITLE = "Dispatch"
    API_VERSION = "1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api"
    OPENAPI_JSON_PATH = "openapi.json"


class TestConfig(Config):
    TESTING = True
    # cheap hashes keep hundreds of sign-ins fast; the algorithm is the same
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 64
    RATELIMIT_ENABLED = True
    HEARTBEAT_SECONDS = 1.0


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True


# Numbers a deployment may tune without code: DISPATCH_<NAME> in the environment.
TUNABLE = ("MAX_REPRESENTATIVES", "SUPERVISION_ESCALATE_AFTER", "INSTRUCTION_ACK_OVERDUE_MINUTES",
           "RESUME_MAX_GAP", "PROXY_HOPS", "HASH_CONCURRENCY", "ARGON2_TIME_COST", "ARGON2_MEMORY_COST",
           "LOGIN_FAILURE_WINDOW_SECONDS", "LOGIN_FREE_FAILURES_PER_USERNAME", "LOGIN_MAX_DELAY_PER_USERNAME",
           "LOGIN_FREE_FAILURES_ACROSS_ADDRESSES",
           "LOGIN_FREE_FAILURES_PER_ADDRESS", "LOGIN_MAX_DELAY_PER_ADDRESS", "ATTACHMENT_MAX_BYTES",
           "HEAVY_JOBS_PER_USER", "HEAVY_JOBS_TOTAL", "REPORT_RENDER_SECONDS", "RESUME_PER_MINUTE",
           "MAX_CONNECTIONS",
           "NOTIFY_ATTEMPTS", "NOTIFY_RETRY_SECONDS", "NOTIFY_RETRY_MAX_SECONDS", "NOTIFY_TIMEOUT_SECONDS",
           "NOTIFY_POLL_SECONDS", "NOTIFY_BATCH", "IMPORT_MAX_BYTES", "IMPORT_MAX_ROWS", "COUNTY_MARGIN_KM")

PROFILES = {"default": Config, "test": TestConfig, "production": ProductionConfig}


def load_config(profile: str | None = None, **overrides) -> dict:
    """Settings for one app: the profile's defaults, then the environment, then overrides."""
    env = os.environ
    profile = profile or env.get("DISPATCH_PROFILE", "default")
    base = PROFILES[profile]
    settings = {k: getattr(base, k) for k in dir(base) if k.isupper()}
    instance = _instance_dir()
    settings.update(
        DATABASE_URL=env.get("DATABASE_URL") or f"sqlite:///{instance / 'dispatch.db'}",
        SECRET_KEY=env.get("SECRET_KEY") or _kept_secret("secret_key", lambda: secrets.token_hex(32)),
        PERSONAL_DATA_KEY=env.get("DISPATCH_PERSONAL_DATA_KEY")
        or _kept_secret("personal_data_key", lambda: secrets.token_urlsafe(32)),
        SOCKETIO_MESSAGE_QUEUE=env.get("SOCKETIO_MESSAGE_QUEUE") or None,
        SOCKETIO_CHANNEL=env.get("DISPATCH_SOCKETIO_CHANNEL", base.SOCKETIO_CHANNEL),
        SOCKETIO_ASYNC_MODE=async_mode(),
        DISPATCH_TIMEZONE=env.get("DISPATCH_TIMEZONE", base.DISPATCH_TIMEZONE),
        DISPATCH_OVERDUE_SCAN_SECONDS=float(
            env.get("DISPATCH_OVERDUE_SCAN_SECONDS", base.DISPATCH_OVERDUE_SCAN_SECONDS)
        ),
        HEARTBEAT_SECONDS=float(env.get("DISPATCH_HEARTBEAT_SECONDS", base.HEARTBEAT_SECONDS)),
        RESUME_MAX_GAP=int(env.get("DISPATCH_RESUME_MAX_GAP", base.RESUME_MAX_GAP)),
        TEST_DROP_PUSHES=int(env.get("DISPATCH_TEST_DROP_PUSHES", base.TEST_DROP_PUSHES)),
        LIVE_BATCH_MS=float(env.get("DISPATCH_LIVE_BATCH_MS", base.LIVE_BATCH_MS)),
        LIVE_POLL_SECONDS=float(env.get("DISPATCH_LIVE_POLL_SECONDS", base.LIVE_POLL_SECONDS)),
        LIVE_PAGE_SIZE=int(env.get("DISPATCH_LIVE_PAGE_SIZE", base.LIVE_PAGE_SIZE)),
        LIVE_FAN_OUT_CHUNK=int(env.get("DISPATCH_LIVE_FAN_OUT_CHUNK", base.LIVE_FAN_OUT_CHUNK)),
        LIVE_COMPRESSION=env.get("DISPATCH_LIVE_COMPRESSION", "").lower() in {"1", "true", "yes", "on"},
        SESSION_COOKIE_SECURE=_bool(env.get("SESSION_COOKIE_SECURE"), base.SESSION_COOKIE_SECURE),
        SESSION_IDLE_MINUTES=float(env.get("DISPATCH_SESSION_IDLE_MINUTES", base.SESSION_IDLE_MINUTES)),
        SESSION_ABSOLUTE_HOURS=float(env.get("DISPATCH_SESSION_ABSOLUTE_HOURS", base.SESSION_ABSOLUTE_HOURS)),
        RATELIMIT_STORAGE_URI=env.get("RATELIMIT_STORAGE_URI")
        or env.get("SOCKETIO_MESSAGE_QUEUE")
        or base.RATELIMIT_STORAGE_URI,
        ALLOWED_ORIGINS=[o for o in env.get("DISPATCH_ALLOWED_ORIGINS", "").split(",") if o],
        BABEL_TRANSLATION_DIRECTORIES=env.get("DISPATCH_TRANSLATIONS_DIR") or str(BASE_DIR / "translations"),
        DISPATCH_DEMO_LANGUAGE=_demo_language(env.get("DISPATCH_DEMO_LANGUAGE", base.DISPATCH_DEMO_LANGUAGE)),
        # attachments are stored by their hash here, readable by the server's user alone
        ATTACHMENT_DIR=env.get("DISPATCH_ATTACHMENT_DIR") or str(instance / "attachments"),
        # each commit appends "<seq> <hash>" of the log's head here, outside the database (dispatch/audit.py)
        AUDIT_ANCHOR=env.get("DISPATCH_AUDIT_ANCHOR") or str(instance / "audit-anchor"),
        DISPATCH_SMS_URL=env.get("DISPATCH_SMS_URL") or None,
        DISPATCH_SMS_SIGNATURE=env.get("DISPATCH_SMS_SIGNATURE", base.DISPATCH_SMS_SIGNATURE),
        DISPATCH_SMTP_URL=env.get("DISPATCH_SMTP_URL") or None,
        DISPATCH_SMTP_FROM=env.get("DISPATCH_SMTP_FROM", base.DISPATCH_SMTP_FROM),
        # single sign-on, each off unless set (docs/administration.md)
        LDAP_URL=env.get("DISPATCH_LDAP_URL") or None,
        LDAP_USER_DN=env.get("DISPATCH_LDAP_USER_DN") or "uid={username},ou=people,dc=county,dc=gov",
        LDAP_NAME=env.get("DISPATCH_LDAP_NAME") or None,  # how the sign-in page names the directory
        LDAP_TIMEOUT=float(env.get("DISPATCH_LDAP_TIMEOUT", "5")),
        # OpenID Connect: the provider's issuer URL (discovery from it), this client's id and secret
        OIDC_ISSUER=(env.get("DISPATCH_OIDC_ISSUER") or "").rstrip("/") or None,
        OIDC_CLIENT_ID=env.get("DISPATCH_OIDC_CLIENT_ID") or None,
        OIDC_CLIENT_SECRET=env.get("DISPATCH_OIDC_CLIENT_SECRET") or None,
        OIDC_SCOPES=env.get("DISPATCH_OIDC_SCOPES") or "openid profile",
        OIDC_USERNAME_CLAIM=env.get("DISPATCH_OIDC_USERNAME_CLAIM") or "preferred_username",
        OIDC_NAME=env.get("DISPATCH_OIDC_NAME") or None,  # how the sign-in page names the provider (English)
        OIDC_NAME_ZH=env.get("DISPATCH_OIDC_NAME_ZH") or None,  # and in Chinese
        OIDC_TIMEOUT=float(env.get("DISPATCH_OIDC_TIMEOUT", "5")),
        # CAS 3.0: the server's base URL (its /login and /p3/serviceValidate below it)
        CAS_URL=(env.get("DISPATCH_CAS_URL") or "").rstrip("/") or None,
        CAS_USERNAME_ATTRIBUTE=env.get("DISPATCH_CAS_USERNAME_ATTRIBUTE") or None,  # unset: the CAS user itself
        CAS_NAME=env.get("DISPATCH_CAS_NAME") or None,
        CAS_NAME_ZH=env.get("DISPATCH_CAS_NAME_ZH") or None,
        CAS_TIMEOUT=float(env.get("DISPATCH_CAS_TIMEOUT", "5")),
        DISPATCH_MAP_TILES=map_tiles(env.get("DISPATCH_MAP_TILES", base.DISPATCH_MAP_TILES)),
        DISPATCH_WALL_TURN_SECONDS=_positive("DISPATCH_WALL_TURN_SECONDS",
                                            env.get("DISPATCH_WALL_TURN_SECONDS", base.DISPATCH_WALL_TURN_SECONDS)),
        HOST=env.get("HOST", "127.0.0.1"),
        PORT=int(env.get("PORT", "5000")),
    )
    for name in TUNABLE:
        raw = env.get(f"DISPATCH_{name}")
        if raw is not None:
            settings[name] = type(settings[name])(raw)
    settings.update(overrides)
    return settings


def map_tiles(value: str) -> str:
    """DISPATCH_MAP_TILES: empty, or an http(s) XYZ template naming {z}, {x} and {y}."""
    value = (value or "").strip()
    if value and not (value.startswith(("http://", "https://", "/"))
                      and all(part in value for part in ("{z}", "{x}", "{y}"))):
        raise ValueError("DISPATCH_MAP_TILES must be an XYZ URL template such as "
                         f"http://tiles.intranet/{{z}}/{{x}}/{{y}}.png, not {value!r}")
    return value


def _positive(name: str, value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = 0.0
    if not number > 0:
        raise ValueError(f"{name} must be a number of seconds above 0, not {value!r}")
    return number


def _demo_language(value: str) -> str:
    if value not in Config.LANGUAGES:
        raise ValueError(f"DISPATCH_DEMO_LANGUAGE must be one of {', '.join(Config.LANGUAGES)}, not {value!r}")
    return value


def async_mode() -> str:
    """The green-thread library, chosen once for the process (wsgi.py patches with it)."""
    return os.environ.get("DISPATCH_ASYNC_MODE", Config.SOCKETIO_ASYNC_MODE)
