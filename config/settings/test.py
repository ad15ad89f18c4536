"""Test settings: only what makes tests faster or deterministic."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")

from .base import *  # noqa: F403
from .base import BASE_DIR, Q_CLUSTER

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
SECURE_SSL_REDIRECT = False
# Tests that want a real cluster start one in a subprocess; the rest run tasks inline.
# Each test process has its own queue name, so parallel runs sharing one Redis never trade tasks.
Q_CLUSTER = {**Q_CLUSTER, "sync": True, "name": f"desk-test-{os.getpid()}"}

# One test database file per pytest process, so parallel runs never share one; tests that
# start worker processes hand them this file's path.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"]["NAME"] = str(BASE_DIR / "var" / f"test_db_{os.getpid()}.sqlite3")  # noqa: F405
    (BASE_DIR / "var").mkdir(exist_ok=True)
# Django's test client logs in without a request, which django-axes refuses; the throttling
# tests (tests/security/test_login_throttling.py) switch it on for themselves.
AXES_ENABLED = False
