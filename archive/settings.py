"""Settings for the archival catalogue: one module, read from the environment.

Every variable is listed in `.env.example`. Defaults are safe: DEBUG is off
unless asked for, and then a SECRET_KEY is required. `make run` turns DEBUG on.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    if value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if value.strip().lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from exc


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is off (see .env.example); on a development"
            " checkout run manage.py with DEBUG=1, as `make lint` does for makemigrations"
        )
    # Only ever used with DEBUG on, on a developer's machine.
    SECRET_KEY = "django-insecure-development-key-only-for-debug-mode"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_filters",
    "import_export",
    "simple_history",
    "axes",
    "people",
    "catalogue",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "archive.nul_bytes.RefuseNulBytesMiddleware",  # PostgreSQL's text holds no NUL
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "archive.csp.CSPMiddleware",  # django-csp's, the policy built once (archive/csp.py)
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # Counts failed admin logins and refuses a locked account or address before checking it.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "archive.urls"

TEMPLATES = [
    # The public pages (templates/), rendered by Jinja2 in a fraction of the time
    # Django's engine takes (archive/jinja2.py).
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "archive.jinja2.environment"},
    },
    # The admin and the curators' pages in it (catalogue/templates/admin/curator/).
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "archive.wsgi.application"

# Each worker keeps its database connection for CONN_MAX_AGE seconds (checked before
# each request's first query, so a dropped one is replaced). Opening one costs a
# PostgreSQL backend about 12 ms before it has read a row (its start, its caches of
# the tables, the document page's statement prepared again), which is four document
# pages: ten minutes makes that a rounding error; 0 opens one per request.
CONN_MAX_AGE = env_int("CONN_MAX_AGE", 600)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=CONN_MAX_AGE,
        conn_health_checks=True,
    )
}
# Read replicas (docs/scaling.md): public pages read from them, writes and the admin use
# the primary. Comma-separated URLs become the aliases replica_1, replica_2 …; tests
# mirror them onto the test database.
for _index, _url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    DATABASES[f"replica_{_index}"] = {
        **dj_database_url.parse(_url, conn_max_age=CONN_MAX_AGE, conn_health_checks=True),
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["archive.routers.ReplicaRouter"]
# The planner's price of reading a page out of order, for the catalogue's sessions:
# PostgreSQL's default (4) is for spinning disks; with the working set in memory or on
# SSD, 1.1 lets a facet over a few hundred results look its link rows up by index
# instead of reading all of them (at 100,000 documents, 48 → 9 ms for the archive
# facet of an 859-result search). Empty: the server's own setting.
PG_RANDOM_PAGE_COST = os.environ.get("PG_RANDOM_PAGE_COST", "1.1").strip()
# The document page's one statement is prepared on the server, planned once per
# connection rather than on every page (catalogue.one_statement). psycopg prepares
# only what is asked prepared when this threshold is a number (never reached here:
# Django's cursors bind parameters on the client and prepare nothing), none when it
# is None. Behind a pooler that keeps no prepared statements across its connections
# (PgBouncer before 1.21, or without max_prepared_statements), set PG_PREPARE=0.
PG_PREPARE = env_bool("PG_PREPARE", True)
for _database in DATABASES.values():
    if _database["ENGINE"] != "django.db.backends.postgresql":
        continue
    _options = _database.setdefault("OPTIONS", {})
    _session = [_options.get("options", "")]  # settings for each of the catalogue's sessions
    if PG_RANDOM_PAGE_COST:
        _session.append(f"-c random_page_cost={float(PG_RANDOM_PAGE_COST)}")
    if PG_PREPARE:
        _options.setdefault("prepare_threshold", 2**31 - 1)
        # PostgreSQL plans a prepared statement afresh for its first five runs before
        # trying a generic plan; the document's statement looks up one primary key, so
        # the generic plan is the plan, from its first run. Only prepared statements
        # (that one alone) heed this.
        _session.append("-c plan_cache_mode=force_generic_plan")
    _options["options"] = " ".join(part for part in _session if part)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the public pages read while an import writes; the timeout makes a
    # writer wait for another instead of failing at once with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
        }
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # The link tables' role indexes include the role as a non-key column (PostgreSQL:
    # a person's counts per role read the index alone). SQLite builds them without it,
    # which serves the same lookups; Django would say so on every command (W040).
    SILENCED_SYSTEM_CHECKS = ["models.W040"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# HTTPS is on by default in production; HTTPS=0 serves plain HTTP (locally with
# DEBUG off, or behind a TLS-terminating proxy on loopback).
HTTPS = env_bool("HTTPS", not DEBUG)
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
if env_bool("BEHIND_PROXY", False):
    # Only when a trusted proxy sets this header and strips it from clients.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# Content-Security-Policy: only this site's own scripts, styles and images; no inline
# script (the JSON-LD block is data, not script). Inline style *attributes* are allowed
# for the histogram's bar heights (a CSS variable per bar), never inline <style> or script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Admin login throttling (django-axes): five failures lock the username, and separately
# the address, for the cool-off period.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# Behind a proxy the client address is in X-Forwarded-For; trust it only then.
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if env_bool("BEHIND_PROXY", False) else ["REMOTE_ADDR"]
)

LOG_LEVEL = os.environ.get("LOG_LEVEL", "WARNING")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # Django logs every 404 as a warning through django.request, whose own level is
    # unset: a record passes its parents' handlers whatever their level, so without
    # this LOG_LEVEL=ERROR would still print each "Not Found".
    "loggers": {"django.request": {"level": LOG_LEVEL}},
}

# Import limits, read by catalogue.importer.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 20 * 1024 * 1024)

# Each facet's counts on the search page must come within this many milliseconds, or
# the facet is left out (and the page says so) rather than slowing the page.
FACET_BUDGET_MS = env_int("FACET_BUDGET_MS", 300)
# ... and all of them together within this many (the later ones are left out).
FACETS_TOTAL_BUDGET_MS = env_int("FACETS_TOTAL_BUDGET_MS", 800)
# Facet counts are kept this many seconds at most in each process's cache; 0 turns that
# off. Any write to the catalogue makes them recounted at once. PostgreSQL only: SQLite
# has no write stamp to tell when they went stale (catalogue.facets.all_facets).
FACET_CACHE_SECONDS = env_int("FACET_CACHE_SECONDS", 600)
# Whole public pages are kept this many seconds at most, in the "pages" cache, under
# the same stamp as the facet counts: any write renders them afresh (catalogue.page_cache).
# 0 turns that off; PostgreSQL only, like the counts.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 600)
# Where those counts and pages are kept. By default each process keeps its own, in
# memory: under gunicorn every worker counts everything once for itself. CACHE_DIR
# shares one cache, on disk, among all the processes of a server — counted once, and
# the collection's tallies (a million documents: seconds to count) are not counted
# again per worker. Pages have a cache of their own, so that many kept pages never
# push out the tallies when it is culled. DiskCache (SQLite-indexed, safe across
# processes; archive.disk_cache keeps it open between requests) rather than Django's
# FileBasedCache: that one lists its whole directory on every write to decide whether
# to cull, 17 ms a write at 9,000 kept pages.
CACHE_DIR = os.environ.get("CACHE_DIR", "").strip()
if CACHE_DIR:
    CACHES = {
        "default": {
            "BACKEND": "archive.disk_cache.KeptOpenDiskCache",
            "LOCATION": CACHE_DIR,
            "OPTIONS": {"size_limit": 2**30},  # bytes; the least recently kept go first
        },
        "pages": {
            "BACKEND": "archive.disk_cache.KeptOpenDiskCache",
            "LOCATION": os.path.join(CACHE_DIR, "pages"),
            "OPTIONS": {"size_limit": 2**30},
        },
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "pages": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "pages",
            "OPTIONS": {"MAX_ENTRIES": 500},
        },
    }
