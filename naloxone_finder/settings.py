"""Settings for Naloxone Finder, all read from the environment (see .env.example)."""

import hashlib
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
import xstatic.pkg.leaflet
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from naloxone_finder.cache_backends import with_kept_client
from naloxone_finder.database import answer_timeout, connection_options

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")


def positive_int(name: str, default: int) -> int:
    """An environment variable that must be a whole number above zero."""
    raw = env.str(name, default=str(default)).strip()
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ImproperlyConfigured(f"{name} must be a whole number above 0 (got {raw!r}).")
    return value


def rate_limit(name: str, default: str) -> str:
    """An environment variable giving a rate: "120/m" is 120 a minute; also /s, /h, /d,
    and a number of them ("600/5m")."""
    value = env.str(name, default=default).strip()
    if not re.fullmatch(r"\d+/([1-9]\d*)?[smhd]", value):
        raise ImproperlyConfigured(
            f'{name} must look like "{default}" (a number, /, s m h or d; got {value!r}).'
        )
    return value


def rate_limits(name: str, default: str) -> str:
    """Like rate_limit, but one or more rates separated by commas, each of which must be
    kept ("20/h,5/m": 20 an hour and no more than 5 in any one minute)."""
    value = env.str(name, default=default).strip()
    if not re.fullmatch(r"\d+/([1-9]\d*)?[smhd](\s*,\s*\d+/([1-9]\d*)?[smhd])*", value):
        raise ImproperlyConfigured(
            f'{name} must look like "{default}" (rates such as 20/h, separated by commas; '
            f"got {value!r})."
        )
    return value


DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="insecure-local-development-key-only")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
else:
    # Refuse to start in production without the two settings that keep it safe.
    SECRET_KEY = env("SECRET_KEY", default="")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
    if not SECRET_KEY or not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "With DEBUG off, SECRET_KEY and ALLOWED_HOSTS must be set in the environment."
        )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "csp",
    "corsheaders",
    "import_export",
    "simple_history",
    "axes",
    "locations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    # Public reads may use a replica; staff, admin and writes use the primary.
    "naloxone_finder.db_router.ReplicaMiddleware",
    "naloxone_finder.db_router.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "naloxone_finder.middleware.admin_in_the_staff_language",
    "locations.api.middleware.ApiMiddleware",
    # Before anything reads the request: NUL and other control characters get a 400.
    "naloxone_finder.middleware.reject_control_characters",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, so that its lockout page passes back through every other middleware.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "naloxone_finder.urls"
WSGI_APPLICATION = "naloxone_finder.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "locations.web.context_processors.site",
            ],
            # Template tags live with the pages that use them, not in the app's root.
            "libraries": {
                "sharing": "locations.web.templatetags.sharing",
                "cards": "locations.web.templatetags.cards",
                "search_page": "locations.web.templatetags.search_page",
                "words": "locations.web.templatetags.words",
                "fixed": "locations.web.templatetags.fixed",
                "site_links": "locations.web.templatetags.site_links",
            },
        },
    },
]

# PostgreSQL only. Without DATABASE_URL an embedded server runs from .pgdata/.
if env("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    from naloxone_finder.embedded_db import database_url

    DATABASES = {"default": env.db_url_config(database_url())}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at a PostgreSQL database.")
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# Fail fast on a sick database (see naloxone_finder/database.py): a hung or unreachable
# server gives /healthz 503 and the error page in seconds, not a worker held until killed.
DB_CONNECTION = {
    "connect_timeout": env.int("DB_CONNECT_TIMEOUT", default=5),
    "statement_timeout_ms": env.int("DB_STATEMENT_TIMEOUT_MS", default=5000),
    "tcp_user_timeout_ms": env.int("DB_TCP_USER_TIMEOUT_MS", default=10000),
    "jit": env.bool("DB_JIT", default=False),
    # Parameters sent apart, statements prepared on their fifth run (database.py): off
    # only behind a pooler in transaction mode that cannot keep prepared statements.
    "prepared_statements": env.bool("DB_PREPARED_STATEMENTS", default=True),
}
# Imports (admin and command) run long statements: their own limit, 0 for none.
DB_IMPORT_STATEMENT_TIMEOUT_MS = env.int("DB_IMPORT_STATEMENT_TIMEOUT_MS", default=0)
DATABASES["default"]["OPTIONS"] = connection_options(
    DATABASES["default"].get("OPTIONS", {}), application_name="naloxone-finder", **DB_CONNECTION
)


# Django's PostgreSQL backend, with that limit: a server that stops answering on an open
# connection cannot enforce its own statement timeout.
DATABASES["default"]["ENGINE"] = "naloxone_finder.postgresql"
DATABASES["default"]["ANSWER_TIMEOUT"] = answer_timeout(DB_CONNECTION["statement_timeout_ms"])

# Read replicas: public reads go to one that is up and not lagging, everything else to the
# primary (naloxone_finder/db_router.py).
for number, url in enumerate(env.list("DATABASE_REPLICA_URLS", default=[])):
    replica = env.db_url_config(url)
    replica.update(
        ENGINE=DATABASES["default"]["ENGINE"],
        ANSWER_TIMEOUT=DATABASES["default"]["ANSWER_TIMEOUT"],
        CONN_MAX_AGE=DATABASES["default"]["CONN_MAX_AGE"],
        CONN_HEALTH_CHECKS=True,
    )
    replica["OPTIONS"] = connection_options(
        replica.get("OPTIONS", {}),
        application_name=f"naloxone-finder replica_{number}",
        **DB_CONNECTION,
    )
    # Tests never create a database for a replica: it mirrors the primary's.
    replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica_{number}"] = replica
REPLICA_DATABASES = [alias for alias in DATABASES if alias.startswith("replica_")]
DATABASE_REPLICA_MAX_LAG_SECONDS = env.float("DATABASE_REPLICA_MAX_LAG_SECONDS", default=30)
DATABASE_REPLICA_CHECK_SECONDS = env.float("DATABASE_REPLICA_CHECK_SECONDS", default=5)
if REPLICA_DATABASES:
    DATABASE_ROUTERS = ["naloxone_finder.db_router.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis (CACHE_URL redis://...) through naloxone_finder.cache_backends.RedisCache, which
# keeps its client object instead of making one for every operation.
CACHES = {"default": with_kept_client(env.cache("CACHE_URL", default="locmemcache://"))}

# The API's per-IP rate limit (locations/services/api_rate_limit.py): "120/m" is 120
# requests a minute; also /s, /h, /d. Each address gets its own allowance, counted in the
# default cache: with CACHE_URL (Redis) by every worker together; in the in-memory default
# by each gunicorn worker on its own (the limit still holds, times the number of workers).
API_RATE_LIMIT = rate_limit("API_RATE_LIMIT", "120/m")
# How many proxies in front of the app append to X-Forwarded-For. 0: the header is ignored
# (anyone can send it) and the client is REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# The function that gives the address the API's rate limit counts (IPv6 by its /64).
RATELIMIT_IP_META_KEY = "locations.domain.clients.client_ip"
# A cache outage must not take the API down with it: count nothing rather than refuse all.
RATELIMIT_FAIL_OPEN = True

# The API may be called from any site's scripts; no cookies are involved.
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_HEADERS = ["accept", "accept-language", "if-none-match"]
CORS_EXPOSE_HEADERS = ["ETag", "Retry-After"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "America/New_York"
USE_I18N = True
# Numbers as each language writes them (Spanish: 1.976,7).
FORMAT_MODULE_PATH = ["naloxone_finder.formats"]
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Leaflet is served as our own static files, from the xstatic-leaflet package.
STATICFILES_DIRS = [BASE_DIR / "static", ("leaflet", xstatic.pkg.leaflet.BASE_DIR)]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "naloxone_finder.storage.StaticStorage"},
}

ADMIN_PATH = env("ADMIN_PATH", default="admin/").strip("/") + "/"
SITE_URL = env("SITE_URL", default="").rstrip("/")

# Map tiles for Leaflet. Any XYZ tile server works; its terms decide the attribution.
MAP_TILE_URL = env("MAP_TILE_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = env(
    "MAP_TILE_ATTRIBUTION",
    default='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
    " contributors",
)
MAP_TILE_MAX_ZOOM = env.int("MAP_TILE_MAX_ZOOM", default=19)

# Largest CSV file staff may upload in the admin's import (the whole file is checked in
# memory before anything is written).
ADMIN_IMPORT_MAX_MB = positive_int("ADMIN_IMPORT_MAX_MB", 10)
# Where an uploaded file waits between the preview and the confirm: the server's temporary
# folder, or (several servers) import_export.tmp_storages.CacheStorage in the CACHE_URL cache.
IMPORT_EXPORT_TMP_STORAGE_CLASS = env(
    "IMPORT_EXPORT_TMP_STORAGE_CLASS", default="import_export.tmp_storages.TempFolderStorage"
)

# Listings not verified for this many days ask visitors to call ahead.
STALE_AFTER_DAYS = env.int("STALE_AFTER_DAYS", default=180)

# Behind a TLS-terminating proxy in production.
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Load balancers check health over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Browser features the pages may use: the location for "near me", sharing and copying the
# embed code; every other powerful feature is off, for the site and anything it frames.
UNUSED_BROWSER_FEATURES = [
    "accelerometer", "ambient-light-sensor", "autoplay", "browsing-topics", "camera",
    "display-capture", "encrypted-media", "gyroscope", "hid", "idle-detection",
    "magnetometer", "microphone", "midi", "payment", "serial", "usb", "xr-spatial-tracking",
]  # fmt: skip
PERMISSIONS_POLICY = {
    "geolocation": ["self"],
    "web-share": ["self"],
    "clipboard-write": ["self"],
    **dict.fromkeys(UNUSED_BROWSER_FEATURES, []),
}
# The admin is the only sign-in: after it, with no safe "next", staff land on its index.
LOGIN_REDIRECT_URL = "admin:index"


def tile_origin(url: str) -> str:
    """The origin the map tiles come from, for the CSP (a {s} subdomain becomes *)."""
    parts = urlsplit(url)
    if not parts.netloc:
        return SELF
    return f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"


# No inline scripts or styles anywhere: data reaches scripts through json_script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", tile_origin(MAP_TILE_URL)],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Staff tools: verification, history, lockout.

# Listings not verified for this many days are in the admin's verification queue.
VERIFY_AFTER_DAYS = positive_int("VERIFY_AFTER_DAYS", 90)

# Failed admin logins: after AXES_FAILURE_LIMIT failures for one username (from any
# addresses), that account is refused for AXES_COOLOFF_MINUTES, and so is one address
# (IPv6: its /64) after as many failures for any usernames. The cool-off is short and
# failures during it do not extend it, so that nobody can keep staff out for long; a
# success clears the account's count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = positive_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=positive_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "locations.domain.clients.lockout_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "locations.admin.lockout.locked_out"  # HTTP 429, admin/locked_out.html

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}

# Submissions: public suggestions and problem reports.
# Their per-IP rate limit must hold across all gunicorn workers, so it is counted in the
# "shared" cache: CACHE_URL's (Redis in production) when set, else a table in the database
# (made by a migration), which every worker reaches with no extra service.
if env("CACHE_URL", default=""):
    CACHES["shared"] = with_kept_client(env.cache("CACHE_URL"))
else:
    CACHES["shared"] = {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "shared_cache",
        # Each address counted is one row; the default 300 would drop counts under a flood.
        "OPTIONS": {"MAX_ENTRIES": 50000},
    }
# The public cache (locations/web/caching.py): whole answers to anonymous public GETs,
# under keys that hold the data version, so a write shows at once. CACHE_URL's store
# (Redis) when set, shared by every server; else files that this machine's workers share.
# Its keys name the database too: two sites on one machine or one Redis (a benchmark
# beside `make run`, say) never hand each other their pages.
_database = DATABASES["default"]
_public_prefix = (
    "public-"
    + hashlib.sha256(
        f"{_database.get('HOST')}|{_database.get('PORT')}|{_database.get('NAME')}".encode()
    ).hexdigest()[:12]
)
if env("CACHE_URL", default=""):
    CACHES["public"] = {**with_kept_client(env.cache("CACHE_URL")), "KEY_PREFIX": _public_prefix}
else:
    CACHES["public"] = {
        # Django's FileBasedCache, listing its folder once in CULL_EVERY writes, not on
        # each (naloxone_finder/cache_backends.py): at most MAX_ENTRIES + CULL_EVERY files.
        "BACKEND": "naloxone_finder.cache_backends.PublicFileBasedCache",
        "LOCATION": env("PUBLIC_CACHE_DIR", default=str(BASE_DIR / ".cache" / "public")),
        "KEY_PREFIX": _public_prefix,
        "OPTIONS": {"MAX_ENTRIES": 5000, "CULL_EVERY": 100},
    }
# Inside the session, locale, CSRF and auth middleware, outside Axes (whose 429 it marks
# no-store).
MIDDLEWARE.insert(
    MIDDLEWARE.index("axes.middleware.AxesMiddleware"),
    "locations.web.caching.PublicCacheMiddleware",
)
# An outreach worker may report a dozen stale listings in an hour; a flood is held back
# by the burst limit.
SUBMISSION_RATE_LIMIT = rate_limits("SUBMISSION_RATE_LIMIT", "20/h,5/m")
# Staff hear of each new submission by email: STAFF_NOTIFY_EMAILS, else the moderators.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
# Mail is sent while the visitor waits: a mail server that hangs must not hold them long.
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="webmaster@localhost")
STAFF_NOTIFY_EMAILS = env.list("STAFF_NOTIFY_EMAILS", default=[])

# Geocoding: "census" asks the US Census Geocoder for a street address's position;
# "none" asks nobody, and places without coordinates sit at their ZIP code's centre.
GEOCODER = env("GEOCODER", default="census").strip().lower()
if GEOCODER not in {"census", "none"}:
    raise ImproperlyConfigured('GEOCODER must be "census" or "none".')
# The public search looks street addresses up with the geocoder (off: it uses the ZIP
# code written in the address). Typed addresses are neither logged nor stored.
SEARCH_GEOCODE_ADDRESSES = env.bool("SEARCH_GEOCODE_ADDRESSES", default=False)
GEOCODER_URL = env("GEOCODER_URL", default="https://geocoding.geo.census.gov/geocoder")
# Seconds to wait for one address (a save in the admin), and for a batch (an import).
GEOCODER_TIMEOUT = env.float("GEOCODER_TIMEOUT", default=5)
GEOCODER_BATCH_TIMEOUT = env.float("GEOCODER_BATCH_TIMEOUT", default=60)
