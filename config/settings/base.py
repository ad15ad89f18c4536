"""Settings for every environment, read from the process environment (and `.env` if present).

Defaults give a runnable development setup: SQLite, the django-q2 ORM broker, the database
cache. Production is chosen by the environment: DATABASE_URL, REDIS_URL, SECRET_KEY.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

# --- Core ------------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)

# A development key is only acceptable when DEBUG is on; production must bring its own.
_DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default="").strip()  # a blank key is no key
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable (or DEBUG=true for local development only)."
        )
    SECRET_KEY = _DEVELOPMENT_SECRET_KEY

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "django_q",
    "billing",
    "integration",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

# --- Database --------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the q cluster and the sandbox share one file: WAL lets readers work
    # while a writer commits, IMMEDIATE transactions avoid "database is locked" upgrades.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        }
    )
    DATABASES["default"].setdefault("TEST", {})
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache and task queue -------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")

# Workers share the Condo session token through this cache, so it must be shared by every
# process: the database cache by default, Redis when REDIS_URL is set.
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "django_cache"}}
if env.str("CACHE_URL", default=""):
    CACHES = {"default": env.cache("CACHE_URL")}

Q_CLUSTER = {
    "name": env.str("Q_CLUSTER_NAME", default="publishing-desk"),
    "workers": env.int("Q_WORKERS", default=2),
    # A publish task renews its batch lease while it works and stops after a bounded slice
    # of work; `timeout` bounds one task, and `retry` (re-delivery of a task whose worker
    # died) must be longer than `timeout`, or a live task would be handed out twice.
    "timeout": env.int("Q_TIMEOUT", default=1800),
    "retry": env.int("Q_RETRY", default=1900),
    # A task that keeps failing is given up after this many deliveries; the publishing
    # watchdog and the failed-batch schedule take over from there.
    "max_attempts": env.int("Q_MAX_ATTEMPTS", default=3),
    "catch_up": False,
    "save_limit": 1000,
    "label": "Очередь задач",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["poll"] = env.float("Q_POLL", default=0.5)

# --- Auth ------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
# django-axes first: it refuses a locked-out login before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# --- Login throttling (django-axes) ----------------------------------------------------------
# After AXES_FAILURE_LIMIT wrong passwords for one login from one address, that pair is refused
# for the cool-off, even with the right password; other logins and other addresses go on.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
# A finance back office: a session ends after a working day, not Django's two weeks.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 3600)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "axes/lockout.html"
# Behind the TLS proxy every request comes from the proxy: the client is read from
# X-Forwarded-For, counting TRUSTED_PROXY_COUNT proxies from the right (config/client_ip.py).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "config.client_ip.client_ip"

# --- Language and time -----------------------------------------------------------------------
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="ru")
LANGUAGES = [("ru", "Русский"), ("en", "English")]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Moscow")
USE_I18N = True
# The project's own `ru` catalog: Russian plural forms of our counts, and Django's phrases that glue a
# verbose_name into a sentence reworded so that they stay grammatical. The compiled .mo is committed:
# no gettext tools are needed at run time.
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

# --- Static and uploaded files ---------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Uploaded registries and PDFs are never served by URL: views check access, then stream them.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# --- Security (production values unless DEBUG) -----------------------------------------------
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- E-mail ----------------------------------------------------------------------------------
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="publishing-desk@localhost")

# --- Condo (DOMA.AI) -------------------------------------------------------------------------
CONDO_API_URL = env.str("CONDO_API_URL", default="http://127.0.0.1:8765/admin/api")
CONDO_LOGIN = env.str("CONDO_LOGIN", default="")
CONDO_PASSWORD = env.str("CONDO_PASSWORD", default="")  # never logged, never in the database
CONDO_TOKEN = env.str("CONDO_TOKEN", default="")  # never logged, never in the database
# One constant per installation; Condo checks it against ^[a-zA-Z0-9!#$%()*+-;=,:[\]/.?@^_`{|}~]{5,42}$
CONDO_SENDER_FINGERPRINT = env.str("CONDO_SENDER_FINGERPRINT", default="billing-desk-publisher")
CONDO_CHUNK_SIZE = env.int("CONDO_CHUNK_SIZE", default=300)
# Condo refuses variables over 512 KiB as object-sizeof 2.6.5 measures them on Node (contract
# 13.3); the client measures them the same way, exactly, so the margin only covers a Condo that
# counts a little differently.
CONDO_MAX_VARIABLES_BYTES = env.int("CONDO_MAX_VARIABLES_BYTES", default=508 * 1024)
CONDO_CONNECT_TIMEOUT = env.float("CONDO_CONNECT_TIMEOUT", default=5.0)
CONDO_READ_TIMEOUT = env.float("CONDO_READ_TIMEOUT", default=60.0)
CONDO_MAX_ATTEMPTS = env.int("CONDO_MAX_ATTEMPTS", default=5)
# Retry waits: base * 2**(attempt-1) with jitter, capped; a rate-limit reset further away than
# CONDO_MAX_RETRY_WAIT seconds is not waited for (the call fails as transient instead).
CONDO_BACKOFF_BASE = env.float("CONDO_BACKOFF_BASE", default=0.5)
CONDO_BACKOFF_CAP = env.float("CONDO_BACKOFF_CAP", default=30.0)
CONDO_MAX_RETRY_WAIT = env.float("CONDO_MAX_RETRY_WAIT", default=120.0)
# After this many server failures in a row, stop calling Condo for the cool-down (seconds).
CONDO_BREAKER_THRESHOLD = env.int("CONDO_BREAKER_THRESHOLD", default=5)
CONDO_BREAKER_COOLDOWN = env.float("CONDO_BREAKER_COOLDOWN", default=30.0)
# Receipts withdrawn per updateBillingReceipts call (Condo's own client sends 10; every call costs
# the same rate-limit points, so larger chunks spare the hourly quota).
CONDO_WITHDRAW_CHUNK_SIZE = env.int("CONDO_WITHDRAW_CHUNK_SIZE", default=50)
# The cache alias that shares the Condo session token between processes. A database cache is
# never given the token (it would sit in a table); the file cache below takes its place.
CONDO_TOKEN_CACHE = env.str("CONDO_TOKEN_CACHE", default="default")
# Where the processes share the token when that cache is the database one: a folder of files
# readable by the desk's user only (integration/condo/auth.py).
# A relative path is taken from the project folder.
CONDO_TOKEN_FILE_CACHE = BASE_DIR / env.str("CONDO_TOKEN_FILE_CACHE", default="var/condo-token-cache")

# --- Imports ---------------------------------------------------------------------------------
# The two limits agree: a file of IMPORT_MAX_ROWS rows in the desk template fits under the byte
# limit. A desk row takes ~100 bytes in xlsx (a 1,000,000-row month: 97 MB); 160 leaves room for
# longer names and addresses. Raising IMPORT_MAX_ROWS alone raises the byte limit with it.
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=1_000_000)
IMPORT_ROW_BYTES = 160
IMPORT_MAX_FILE_BYTES = env.int("IMPORT_MAX_FILE_BYTES", default=IMPORT_MAX_ROWS * IMPORT_ROW_BYTES)
# A row's «Итого к оплате» may differ from the sum of its parts by this much (rounding in the source).
IMPORT_TOTAL_TOLERANCE = env.str("IMPORT_TOTAL_TOLERANCE", default="0.01")
# Sheets up to this many rows are read by calamine (fast, holds the sheet in memory, ~1.8 KB a row);
# larger ones are streamed by openpyxl (slower, flat memory).
IMPORT_CALAMINE_MAX_ROWS = env.int("IMPORT_CALAMINE_MAX_ROWS", default=150_000)
# ...and only while the grid up to the sheet's farthest cell stays within this many cells (~30 bytes
# each): one stray cell at XFD20000 would otherwise make calamine allocate 10 GB. xls and ods books,
# which cannot be streamed, are refused beyond it.
IMPORT_CALAMINE_MAX_CELLS = env.int("IMPORT_CALAMINE_MAX_CELLS", default=8_000_000)
# An xlsx whose parts declare more than this when unpacked is refused before parsing (zip bombs).
IMPORT_MAX_UNCOMPRESSED_BYTES = env.int("IMPORT_MAX_UNCOMPRESSED_BYTES", default=2 * 1024**3)
# How many row errors of a refused file are kept for the downloadable list.
IMPORT_MAX_ERRORS_KEPT = env.int("IMPORT_MAX_ERRORS_KEPT", default=100_000)
# Uploads neither confirmed nor cancelled for this many days are cancelled nightly, files removed.
IMPORT_UPLOAD_KEEP_DAYS = env.int("IMPORT_UPLOAD_KEEP_DAYS", default=7)

# --- Exports ---------------------------------------------------------------------------------
# Receipts exports above this many receipts are written by a worker (about 2,000 rows a second)
# and downloaded from their own page; smaller ones download at once.
EXPORT_INLINE_MAX_RECEIPTS = env.int("EXPORT_INLINE_MAX_RECEIPTS", default=20_000)
# How long a written export stays downloadable before the nightly cleanup removes it.
EXPORT_KEEP_HOURS = env.int("EXPORT_KEEP_HOURS", default=48)

# --- Logging ---------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Masks full names and secrets in any record that reaches a handler (integration/logmask.py).
    "filters": {"personal_data": {"()": "integration.logmask.PersonalDataFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["personal_data"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"level": "INFO"},
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        "gql": {"level": "WARNING"},
    },
}

# --- Publishing ------------------------------------------------------------------------------
# A publisher holds its batch for this long and renews the hold after every call to Condo; a
# batch whose hold ran out (its worker died) is picked up again by the watchdog schedule.
PUBLISH_LEASE_SECONDS = env.int("PUBLISH_LEASE_SECONDS", default=180)
# Failed batches are retried automatically after 5, 10, 20 … minutes, at most this many times.
PUBLISH_RETRY_BASE_SECONDS = env.int("PUBLISH_RETRY_BASE_SECONDS", default=300)
PUBLISH_MAX_AUTO_RETRIES = env.int("PUBLISH_MAX_AUTO_RETRIES", default=6)

# --- Receipt PDFs ----------------------------------------------------------------------------
# Condo takes a receipt's PDF as base64 inside the GraphQL variables (contract §7), and the
# variables are capped at 512 KiB as object-sizeof counts them on Node: a long string costs
# 12 + its length rounded up to 4, one byte a character (contract 13.3). Under the client's cap,
# less 1 KiB for the rest of the call (468 bytes at most, with a 128-character importId), that
# is 389,376 bytes of PDF (380 KiB). Raise CONDO_MAX_VARIABLES_BYTES (and this follows) only
# after the operator has raised Condo's REQUEST_LIMIT_CONFIG.
RECEIPT_PDF_MAX_BYTES = env.int("RECEIPT_PDF_MAX_BYTES", default=(CONDO_MAX_VARIABLES_BYTES - 1024) // 4 * 3)
# An uploaded ZIP of PDFs: its own size, and how many members it may hold at most (a batch's
# archive may also hold at most its receipts plus a few stray files; see billing/services/pdf_archive.py).
RECEIPT_PDF_ARCHIVE_MAX_BYTES = env.int("RECEIPT_PDF_ARCHIVE_MAX_BYTES", default=1024 * 1024 * 1024)
RECEIPT_PDF_ARCHIVE_MAX_FILES = env.int("RECEIPT_PDF_ARCHIVE_MAX_FILES", default=200_000)
# All files of one request together, checked while they arrive (config/uploads.py): the largest
# upload the desk takes, plus room for the form's other fields. Set the TLS proxy's body limit to match.
UPLOAD_MAX_REQUEST_BYTES = env.int(
    "UPLOAD_MAX_REQUEST_BYTES", default=max(IMPORT_MAX_FILE_BYTES, RECEIPT_PDF_ARCHIVE_MAX_BYTES) + 1024 * 1024
)
FILE_UPLOAD_HANDLERS = [
    "config.uploads.UploadSizeLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# PDFs are stored through Django's storage API under random names and only ever streamed by a
# view that checks access. By default they go to the default storage (MEDIA_ROOT); set
# RECEIPT_PDF_STORAGE_BACKEND (for an S3-compatible store, "storages.backends.s3.S3Storage" from
# django-storages[s3]) and its options as JSON to keep them elsewhere.
if env.str("RECEIPT_PDF_STORAGE_BACKEND", default=""):
    STORAGES["receipt_pdfs"] = {
        "BACKEND": env.str("RECEIPT_PDF_STORAGE_BACKEND"),
        "OPTIONS": env.json("RECEIPT_PDF_STORAGE_OPTIONS", default={}),
    }
# Receipts read per round trip to the database and sent in as many calls as Condo's limits need;
# each call's outcomes are stored as soon as it is answered, so a crash resends at most one call.
PUBLISH_READ_SIZE = env.int("PUBLISH_READ_SIZE", default=1000)

# The approval fingerprint is computed over the documents as the publisher builds them; billing
# reaches that code by path only (billing does not import integration).
BATCH_FINGERPRINT = "integration.publishing.fingerprint.batch_fingerprint"
ADDENDUM_FINGERPRINT = "integration.publishing.fingerprint.addendum_fingerprint"
# Panels of the batch admin that other apps bring (billing/admin/panels/base.py), after billing's own.
BATCH_PANELS = [
    "integration.admin_panels.publishing.publishing_panel",
    "integration.admin_panels.reconciliation.reconciliation_panel",
]
