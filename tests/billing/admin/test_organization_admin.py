from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.models import Batch, BatchFiguresRecord, BatchTransition, Organization
from billing.selectors.review import batch_anomalies, batch_figures_warm
from billing.services.batches import batch_submit
from tests.billing.admin.conftest import bulk_receipts, published_month_and_next
from tests.factories import AccountFactory, BatchFactory, OrganizationFactory, RecipientFactory

pytestmark = pytest.mark.django_db


def test_superuser_adds_and_edits_an_organization(login, superuser):
    recipient = RecipientFactory()
    client = login(superuser)
    response = client.post(
        reverse("admin:billing_organization_add"),
        {
            "name": "УК «Новая»",
            "tin": "7707083893",
            "condo_context_id": "ctx-1",
            "is_active": "on",
            "anomaly_threshold_percent": "30",
            "default_recipient": recipient.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    organization = Organization.objects.get(tin="7707083893")
    assert (organization.name, organization.condo_context_id) == ("УК «Новая»", "ctx-1")


@pytest.mark.parametrize("role", ["accountant", "approver"])
def test_accountants_and_approvers_only_view_organizations(role, request, login):
    organization = OrganizationFactory(name="УК Старая")
    client = login(request.getfixturevalue(role))
    assert client.get(reverse("admin:billing_organization_changelist")).status_code == 200
    page = client.get(reverse("admin:billing_organization_change", args=[organization.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    response = client.post(
        reverse("admin:billing_organization_change", args=[organization.pk]),
        {"name": "Взлом", "tin": organization.tin, "anomaly_threshold_percent": "1"},
    )
    assert response.status_code == 403
    organization.refresh_from_db()
    assert organization.name == "УК Старая"
    assert client.get(reverse("admin:billing_organization_add")).status_code == 403


@pytest.mark.parametrize("role", ["accountant", "approver", "superuser"])
def test_houses_accounts_and_payees_render_for_every_role(role, request, login):
    account = AccountFactory(full_name="<script>x</script>")
    client = login(request.getfixturevalue(role))
    for name in ("property", "account", "recipient"):
        assert client.get(reverse(f"admin:billing_{name}_changelist")).status_code == 200
    html = client.get(reverse("admin:billing_account_changelist")).content.decode()
    assert "<script>x</script>" not in html and account.number in html
    assert client.get(reverse("admin:billing_account_change", args=[account.pk])).status_code == 200


def test_houses_and_accounts_are_not_edited_by_hand_even_by_superusers(login, superuser):
    account = AccountFactory()
    client = login(superuser)
    assert client.get(reverse("admin:billing_account_add")).status_code == 403
    assert client.post(reverse("admin:billing_account_delete", args=[account.pk])).status_code == 403
    assert client.get(reverse("admin:billing_property_add")).status_code == 403


def test_the_transition_log_is_read_only(login, superuser, accountant):
    batch = batch_submit(batch=BatchFactory(created_by=accountant), by=accountant)
    transition = batch.transitions.get()
    client = login(superuser)
    assert client.get(reverse("admin:billing_batchtransition_changelist")).status_code == 200
    page = client.get(reverse("admin:billing_batchtransition_change", args=[transition.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.get(reverse("admin:billing_batchtransition_add")).status_code == 403
    assert client.post(reverse("admin:billing_batchtransition_delete", args=[transition.pk])).status_code == 403
    client.post(reverse("admin:billing_batchtransition_change", args=[transition.pk]), {"reason": "подлог"})
    assert BatchTransition.objects.get().reason == ""


def test_staff_without_a_role_sees_no_organizations(login, staff_without_role):
    client = login(staff_without_role)
    assert client.get(reverse("admin:billing_organization_changelist")).status_code == 403
    assert client.get(reverse("admin:billing_batchtransition_changelist")).status_code == 403


def test_the_anomaly_threshold_reads_as_a_percent_in_the_list_and_for_those_who_only_view(login, superuser, approver):
    organization = OrganizationFactory(anomaly_threshold_percent=Decimal("12.50"))
    listed = login(superuser).get(reverse("admin:billing_organization_changelist")).content.decode()
    assert "12,5\xa0%" in listed and "12,50" not in listed
    viewed = login(approver).get(reverse("admin:billing_organization_change", args=[organization.pk]))
    assert "12,5\xa0%" in viewed.content.decode()
    edited = login(superuser).get(reverse("admin:billing_organization_change", args=[organization.pk]))
    assert 'name="anomaly_threshold_percent"' in edited.content.decode()  # a superuser still edits the number


def test_a_changed_threshold_has_the_figures_of_batches_under_review_written_again(
    login, superuser, django_capture_on_commit_callbacks
):
    _, batch = published_month_and_next(receipts=10)
    bulk_receipts(batch, 12, amount=Decimal("200"))  # September's 100 → 200: moved beyond 25 %, not 150 %
    batch_figures_warm(batch=batch)  # as the import does
    assert batch_anomalies(batch=batch).moved_receipts == 10
    organization = batch.organization
    with django_capture_on_commit_callbacks(execute=True):
        response = login(superuser).post(
            reverse("admin:billing_organization_change", args=[organization.pk]),
            {
                "name": organization.name,
                "tin": organization.tin,
                "condo_context_id": organization.condo_context_id,
                "is_active": "on",
                "anomaly_threshold_percent": "150",
                "default_recipient": organization.default_recipient_id or "",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    # The worker (synchronous here) wrote them for 150 %: the page reads them, nothing to compute.
    record = BatchFiguresRecord.objects.get(batch=batch)
    assert ":150" in record.depends_on
    with CaptureQueriesContext(connection) as captured:
        assert batch_anomalies(batch=Batch.objects.get(pk=batch.pk)).moved_receipts == 0
    assert [q["sql"] for q in captured.captured_queries if "SUM(" in q["sql"]] == []
