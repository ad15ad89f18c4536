"""The roles of the desk and their permissions, declared once.

A data migration and `setup_demo` both apply this table, so the groups in the database
always hold exactly these permissions. Superusers administer users and organizations.
"""

from __future__ import annotations

from typing import Final

ACCOUNTANT: Final = "Бухгалтер"
APPROVER: Final = "Утверждающий"

_READ_DOMAIN = (
    "billing.view_organization",
    "billing.view_property",
    "billing.view_account",
    "billing.view_recipient",
    "billing.view_batch",
    "billing.view_batchtransition",
    "billing.view_receipt",
    "billing.view_serviceline",
)

ROLE_PERMISSIONS: Final[dict[str, frozenset[str]]] = {
    ACCOUNTANT: frozenset({*_READ_DOMAIN, "billing.import_registry", "billing.submit_batch"}),
    APPROVER: frozenset(
        {*_READ_DOMAIN, "billing.approve_batch", "billing.publish_batch", "billing.withdraw_batch"}
    ),
}


def roles_sync(*, group_model, permission_model) -> None:
    """Make every declared group hold exactly its declared permissions (idempotent)."""
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=role)
        wanted = []
        for dotted in sorted(codenames):
            app_label, codename = dotted.split(".", 1)
            wanted.append(permission_model.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)
