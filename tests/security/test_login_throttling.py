"""django-axes on the admin login: repeated wrong passwords lock one login from one address."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from config.client_ip import client_ip
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
LIMIT = 5


@pytest.fixture(autouse=True)
def axes_on(settings):
    # Off in config/settings/test.py (the test client's login() has no request); on here.
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = LIMIT


@pytest.fixture
def clerk(db):
    user = UserFactory(username="clerk", role="Бухгалтер")
    user.set_password("right-password-1")
    user.save()
    return user


def attempt(client, username: str, password: str, *, address: str = "10.0.0.1"):
    return client.post(
        reverse("admin:login"), {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=address
    )


def logged_in(client) -> bool:
    return SESSION_KEY in client.session


def test_the_settings_lock_by_login_and_address_with_a_cool_off(settings):
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert timedelta(minutes=15) == settings.AXES_COOLOFF_TIME and settings.AXES_RESET_ON_SUCCESS is True


def test_wrong_passwords_lock_the_login_even_for_the_right_password(client, clerk):
    for _ in range(LIMIT - 1):
        response = attempt(client, "clerk", "wrong")
        assert response.status_code == 200 and not logged_in(client)  # the login form again
    locked = attempt(client, "clerk", "wrong")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Вход временно заблокирован" in page and "15 мин" in page and "«clerk»" in page

    refused = attempt(client, "clerk", "right-password-1")
    assert refused.status_code == 429 and not logged_in(client)
    assert AccessAttempt.objects.get(username="clerk").failures_since_start >= LIMIT


def test_other_logins_and_other_addresses_are_not_affected(client, clerk):
    other = UserFactory(username="other-clerk")
    other.set_password("other-password-2")
    other.save()
    for _ in range(LIMIT):
        attempt(client, "clerk", "wrong")

    assert attempt(client, "other-clerk", "other-password-2").status_code == 302 and logged_in(client)
    client.logout()
    assert attempt(client, "clerk", "right-password-1", address="10.0.0.2").status_code == 302 and logged_in(client)


def test_after_the_cool_off_the_right_password_works(client, clerk):
    for _ in range(LIMIT):
        attempt(client, "clerk", "wrong")
    assert attempt(client, "clerk", "right-password-1").status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    response = attempt(client, "clerk", "right-password-1")
    assert response.status_code == 302 and logged_in(client)


def test_a_successful_login_resets_the_count(client, clerk):
    for _ in range(LIMIT - 1):
        attempt(client, "clerk", "wrong")
    assert attempt(client, "clerk", "right-password-1").status_code == 302
    client.logout()
    for _ in range(LIMIT - 1):
        attempt(client, "clerk", "wrong")
    assert attempt(client, "clerk", "right-password-1").status_code == 302 and logged_in(client)


def test_the_lockout_page_escapes_the_login(client):
    name = "<script>alert(1)</script>"
    for _ in range(LIMIT):
        response = attempt(client, name, "wrong")
    page = response.content.decode()
    assert response.status_code == 429
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page


def test_the_client_address_behind_trusted_proxies(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.9.9.9"  # no proxy: a client-sent header means nothing
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.7"  # what our proxy saw; the spoofed left part is ignored
    settings.TRUSTED_PROXY_COUNT = 3
    assert client_ip(request) == "10.9.9.9"  # fewer hops than proxies: not through our chain
