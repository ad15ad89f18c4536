"""The demo installation that `make run` prepares: roles, users, data. Idempotent."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from billing.errors import ApplicationError
from billing.roles import ACCOUNTANT, APPROVER, roles_sync


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str


# The demo management company and the Condo billing context the local sandbox seeds for it.
DEMO_ORGANIZATION_NAME = "УК «Демонстрационная»"
DEMO_ORGANIZATION_TIN = "7707083893"
DEMO_CONTEXT_ID = "5f3c9a52-8d1e-4c7b-9a0e-2b6f1d9e7c31"


# Well-known on purpose: they only ever exist on a DEBUG installation (see demo_check_allowed).
DEMO_LOGINS = (
    DemoLogin("accountant", "accountant-demo", ACCOUNTANT),
    DemoLogin("approver", "approver-demo", APPROVER),
    DemoLogin("admin", "admin-demo", "Суперпользователь"),
)


def demo_check_allowed() -> None:
    if not settings.DEBUG:
        raise ApplicationError("Демо-данные создаются только при DEBUG=true: на рабочей установке их быть не должно.")


def demo_users_ensure() -> list[DemoLogin]:
    """Create or reset the demo users so that the printed logins always work."""
    demo_check_allowed()
    roles_sync(group_model=Group, permission_model=Permission)
    user_model = get_user_model()
    for login in DEMO_LOGINS:
        user, _ = user_model.objects.get_or_create(username=login.username)
        user.is_staff = True
        user.is_active = True
        user.is_superuser = login.username == "admin"
        user.email = f"{login.username}@example.com"
        user.set_password(login.password)
        user.save()
        if not user.is_superuser:
            user.groups.set([Group.objects.get(name=login.role)])
    return list(DEMO_LOGINS)
