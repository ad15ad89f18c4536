from __future__ import annotations

import pytest

from billing.roles import ACCOUNTANT, APPROVER
from tests.factories import BatchFactory, UserFactory

pytest_plugins = ["tests.sandbox_fixtures"]


@pytest.fixture
def accountant(db):
    return UserFactory(username="accountant-1", role=ACCOUNTANT)


@pytest.fixture
def approver(db):
    return UserFactory(username="approver-1", role=APPROVER)


@pytest.fixture
def superuser(db):
    return UserFactory(username="root-1", is_superuser=True)


@pytest.fixture
def login(client):
    """`login(user)`: the test client, signed in as that user."""

    def as_user(user):
        client.force_login(user)
        return client

    return as_user


@pytest.fixture
def draft_batch(accountant):
    return BatchFactory(created_by=accountant)
