"""Settings come from the environment, and production refuses to start without a secret key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run_settings(env_overrides: dict[str, str], expression: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL", "REDIS_URL"}}
    env.update(env_overrides)
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    code = f"import django; django.setup(); from django.conf import settings as s; print(repr(({expression})))"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_production_start_without_secret_key_is_refused():
    result = _run_settings({"DEBUG": "false"}, "s.SECRET_KEY")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_start_gets_a_development_key():
    result = _run_settings({"DEBUG": "true"}, "s.SECRET_KEY.startswith('django-insecure')")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_database_and_time_zone_come_from_the_environment():
    result = _run_settings(
        {
            "SECRET_KEY": "x" * 60,
            "DATABASE_URL": "postgres://desk:pw@db.internal:5433/desk",
            "TIME_ZONE": "Asia/Yekaterinburg",
        },
        "s.DATABASES['default']['ENGINE'], s.DATABASES['default']['HOST'], s.DATABASES['default']['PORT'], s.TIME_ZONE",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "('django.db.backends.postgresql', 'db.internal', 5433, 'Asia/Yekaterinburg')"


def test_defaults_are_sqlite_orm_broker_database_cache_and_russian():
    result = _run_settings(
        {"DEBUG": "true"},
        "s.DATABASES['default']['ENGINE'], 'orm' in s.Q_CLUSTER, s.CACHES['default']['BACKEND'].rsplit('.', 1)[-1], s.LANGUAGE_CODE, s.TIME_ZONE",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "('django.db.backends.sqlite3', True, 'DatabaseCache', 'ru', 'Europe/Moscow')"


def test_redis_url_switches_broker_and_cache_to_redis():
    result = _run_settings(
        {"DEBUG": "true", "REDIS_URL": "redis://cache.internal:6379/2"},
        "s.Q_CLUSTER.get('redis'), 'orm' in s.Q_CLUSTER, s.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "('redis://cache.internal:6379/2', False, 'RedisCache')"


def test_task_timeout_is_shorter_than_redelivery_and_attempts_are_finite(settings):
    cluster = settings.Q_CLUSTER
    assert cluster["timeout"] < cluster["retry"]
    assert 0 < cluster["max_attempts"] < 10
