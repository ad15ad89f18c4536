"""Production settings pass Django's deployment checks, and every form of ours needs its CSRF token."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests.security.role_matrix_table import MATRIX
from tests.security.world import snapshot

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "desk.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://desk.example.com",
}


def _manage(args: list[str], env_overrides: dict[str, str]) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_the_deployment_checks_without_a_warning():
    result = _manage(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_production_settings_are_the_secure_ones():
    expression = (
        "s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS >= 31536000, "
        "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SESSION_COOKIE_HTTPONLY, s.X_FRAME_OPTIONS, s.AXES_ENABLED, "
        "s.AUTHENTICATION_BACKENDS[0], 'django.middleware.csrf.CsrfViewMiddleware' in s.MIDDLEWARE"
    )
    code = f"import django; django.setup(); from django.conf import settings as s; print(repr(({expression})))"
    env = {**PRODUCTION, "DJANGO_SETTINGS_MODULE": "config.settings.base"}
    result = _manage(["shell", "-c", code], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        "(False, True, True, True, True, True, True, 'DENY', True, 'axes.backends.AxesStandaloneBackend', True)"
    )


@pytest.mark.parametrize("key", ["", "   "])
def test_production_refuses_to_start_without_a_secret_key(key):
    # tests/config/test_settings.py checks an unset key; an empty or blank one is no better.
    result = _manage(["check"], {**PRODUCTION, "SECRET_KEY": key})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


@pytest.mark.django_db
def test_every_post_of_ours_needs_the_csrf_token(world, media_root):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user("superuser"))
    problems, checked = [], 0
    for name, rows in MATRIX.items():
        for row in rows:
            if row.method != "POST":
                continue
            checked += 1
            url = reverse(f"admin:{name}", args=row.args(world) if row.args else None)
            before = snapshot(media_root)
            response = client.post(url, row.data(world))
            if response.status_code != 403 or b"CSRF" not in response.content or snapshot(media_root) != before:
                problems.append(f"{name} {url}: {response.status_code}")
    assert not problems, "\n".join(problems)
    assert checked >= 40  # every button, form and list action of the matrix
