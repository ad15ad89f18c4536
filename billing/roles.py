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
    # The audit: transitions with their filters, every call to Condo, every reconciliation.
    "billing.view_audittransition",
    "integration.view_condocall",
    "integration.view_reconciliation",
)

ROLE_PERMISSIONS: Final[dict[str, frozenset[str]]] = {
    ACCOUNTANT: frozenset({*_READ_DOMAIN, "billing.import_registry", "billing.submit_batch"}),
    APPROVER: frozenset({*_READ_DOMAIN, "billing.approve_batch", "billing.publish_batch", "billing.withdraw_batch"}),
}


def roles_sync(*, group_model, permission_model) -> list[str]:
    """Make every declared group hold exactly its declared permissions (idempotent).

    Returns the declared permissions that do not exist yet. That happens only inside a data
    migration that runs before the migration creating their model; that later migration
    syncs the roles again. After `migrate` nothing is missing (a test checks the groups).
    """
    missing: set[str] = set()
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=role)
        wanted = []
        for dotted in sorted(codenames):
            app_label, codename = dotted.split(".", 1)
            permission = permission_model.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if permission is None:
                missing.add(dotted)
            else:
                wanted.append(permission)
        group.permissions.set(wanted)
    return sorted(missing)
