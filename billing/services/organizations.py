"""Management companies: registered by an administrator or a script, idempotent by TIN."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import transaction

from billing.errors import ApplicationError
from billing.models import Organization

_TIN = re.compile(r"^(\d{10}|\d{12})$")


@dataclass(frozen=True)
class OrganizationEnsured:
    organization: Organization
    created: bool
    changed: bool


@transaction.atomic
def organization_ensure(*, name: str, tin: str, condo_context_id: str) -> OrganizationEnsured:
    """Create the organization with this TIN, or bring its name and Condo context up to date.

    Running it again with the same values changes nothing, so provisioning scripts may repeat it.
    """
    name, tin, condo_context_id = name.strip(), tin.strip(), condo_context_id.strip()
    if not name:
        raise ApplicationError("Укажите название управляющей компании.")
    if not _TIN.match(tin):
        raise ApplicationError(f"ИНН «{tin}» неверен: нужно 10 цифр для организации или 12 для ИП.")
    if not condo_context_id:
        raise ApplicationError("Укажите ID контекста биллинга в Condo.")
    if len(name) > _max_length("name"):
        raise ApplicationError("Название управляющей компании длиннее 255 символов.")
    if len(condo_context_id) > _max_length("condo_context_id"):
        raise ApplicationError("ID контекста биллинга в Condo длиннее 64 символов.")

    organization, created = Organization.objects.select_for_update().get_or_create(
        tin=tin, defaults={"name": name, "condo_context_id": condo_context_id}
    )
    changed = not created and (organization.name, organization.condo_context_id) != (name, condo_context_id)
    if changed:
        organization.name, organization.condo_context_id = name, condo_context_id
        organization.save(update_fields=["name", "condo_context_id", "updated_at"])
    return OrganizationEnsured(organization=organization, created=created, changed=changed)


def _max_length(field: str) -> int:
    return getattr(Organization._meta.get_field(field), "max_length", None) or 0
