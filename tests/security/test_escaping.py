"""User input shown in the admin is escaped on every page that shows it.

Names of organizations, file names, reasons, account holders and Condo's error texts all come
from outside (registries, people, Condo). Each page below gets a payload in every such field.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from billing.models import Account, BatchTransition, Organization, Receipt, RegistryUpload
from tests.security.world import build_world

pytestmark = pytest.mark.django_db
PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'
ESCAPED = "&lt;script&gt;alert("


@pytest.fixture
def hostile(media_root):
    world = build_world(media_root=media_root)
    Organization.objects.filter(pk=world.organization.pk).update(name=f"УК {PAYLOAD}")
    BatchTransition.objects.filter(pk=world.transition.pk).update(reason=PAYLOAD)
    RegistryUpload.objects.filter(pk=world.upload.pk).update(source_name=f"{PAYLOAD}.xlsx")
    Account.objects.filter(pk=world.account.pk).update(full_name=PAYLOAD, unit_name=PAYLOAD)
    Receipt.objects.filter(batch=world.partial).update(error_message=PAYLOAD)
    return world


def test_every_page_escapes_what_came_from_outside(client, hostile):
    world = hostile
    client.force_login(world.user("superuser"))
    pages = {
        reverse("admin:index"): "dashboard",
        reverse("admin:billing_batch_changelist"): "batch list",
        reverse("admin:billing_batch_change", args=[world.draft.pk]): "batch page",
        reverse("admin:billing_batch_change", args=[world.partial.pk]): "batch page with a rejection",
        reverse("admin:billing_batch_pdfs", args=[world.published.pk]): "PDF page",
        reverse("admin:billing_batch_import_status", args=[world.upload.token]): "import status",
        reverse("admin:billing_receipt_changelist"): "receipt list",
        reverse("admin:billing_receipt_change", args=[world.receipt.pk]): "receipt page",
        reverse("admin:billing_account_changelist"): "account list",
        reverse("admin:billing_organization_changelist"): "organization list",
        reverse("admin:billing_audittransition_changelist"): "audit journal",
        reverse("admin:billing_batchtransition_changelist"): "transition log",
        reverse("admin:integration_condocall_changelist"): "Condo calls",
        reverse("admin:integration_reconciliation_changelist"): "reconciliations",
        reverse("admin:integration_reconciliation_change", args=[world.reconciliation.pk]): "reconciliation page",
    }
    problems = []
    for url, what in pages.items():
        response = client.get(url)
        page = response.content.decode()
        if response.status_code != 200 or "<script>alert(" in page or "<img src=x" in page:
            problems.append(f"{what} {url}: {response.status_code}, raw payload shown")
        elif ESCAPED not in page:
            problems.append(f"{what} {url}: the payload is not shown at all (the test would prove nothing)")
    assert not problems, "\n".join(problems)
