"""Settings for every environment, read from the process environment (and `.env` if present).

Defaults give a runnable development setup: SQLite, the django-q2 ORM broker, the database
cache. Production is chosen by the environment: DATABASE_URL, REDIS_URL, SECRET_KEY.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.settings.desk import *  # noqa: F403  (the desk's own settings: Condo, imports, exports, publishing)
from config.settings.desk import IMPORT_MAX_FILE_BYTES, RECEIPT_PDF_ARCHIVE_MAX_BYTES
from config.settings.environment import BASE_DIR, env

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

# --- Uploads -------------------------------------------------------------------------------
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
