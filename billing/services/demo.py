"""The demo installation that `make run` prepares: roles, users, data. Idempotent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission, User

from billing.errors import ApplicationError
from billing.periods import previous_month
from billing.roles import ACCOUNTANT, APPROVER, roles_sync

if TYPE_CHECKING:
    from billing.models import Batch, Organization


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


# --- Demo organization and registry -----------------------------------------------------------

DEMO_REGISTRY_ACCOUNTS = 300


def demo_organization_ensure() -> Organization:
    """The demo management company with its Condo context and a valid default recipient."""
    from billing.importers.requisites import bank_account_with_key
    from billing.models import Organization, Recipient

    demo_check_allowed()
    recipient, _ = Recipient.objects.get_or_create(
        tin=DEMO_ORGANIZATION_TIN,
        bic="044525225",
        bank_account=bank_account_with_key("40702810000000012345", "044525225"),
        defaults={"name": DEMO_ORGANIZATION_NAME},
    )
    organization, _ = Organization.objects.update_or_create(
        tin=DEMO_ORGANIZATION_TIN,
        defaults={
            "name": DEMO_ORGANIZATION_NAME,
            "condo_context_id": DEMO_CONTEXT_ID,
            "is_active": True,
            "default_recipient": recipient,
        },
    )
    return organization


def demo_registry_ensure(by: User) -> Batch:
    """Import a generated desk-template registry for last month as a draft batch, once.

    Returns the demo organization's first batch (the existing one when there already is one).
    """
    import tempfile
    from pathlib import Path

    from billing.importers.desk_template import demo_registry_rows, write_desk_registry
    from billing.models import Batch
    from billing.services.registry.write import registry_import

    organization = demo_organization_ensure()
    existing = Batch.objects.filter(organization=organization).order_by("pk").first()
    if existing is not None:
        return existing
    period = previous_month()
    recipient = organization.default_recipient
    assert recipient is not None, "demo_organization_ensure gives the demo organization its recipient"
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"demo-{period:%Y-%m}.xlsx"
        write_desk_registry(
            path,
            demo_registry_rows(
                period=period,
                recipient=(recipient.tin, recipient.bic, recipient.bank_account),
                accounts=DEMO_REGISTRY_ACCOUNTS,
            ),
        )
        outcome = registry_import(organization=organization, period=period, path=path, by=by, format_code="desk_excel")
    if outcome.batch is None:
        raise ApplicationError("Демо-реестр не прошёл проверку: " + "; ".join(map(str, outcome.result.errors[:3])))
    return outcome.batch
