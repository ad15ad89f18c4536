from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import Batch
from billing.roles import ACCOUNTANT, APPROVER
from tests.billing.exports.conftest import data_rows, open_xlsx
from tests.factories import (
    BatchFactory,
    BatchTransitionFactory,
    CondoCallFactory,
    OrganizationFactory,
    ReconciliationFactory,
    UserFactory,
    missing_in_condo,
)

pytestmark = pytest.mark.django_db
Status = Batch.Status


def _lists() -> list[str]:
    return [
        reverse("admin:billing_audittransition_changelist"),
        reverse("admin:integration_condocall_changelist"),
        reverse("admin:integration_reconciliation_changelist"),
    ]


@pytest.fixture
def journal():
    """Two organizations, two months, two users, a background step; calls and a reconciliation."""
    alice, bob = UserFactory(username="alice", role=ACCOUNTANT), UserFactory(username="bob", role=APPROVER)
    north, south = OrganizationFactory(name="УК «Север»"), OrganizationFactory(name="УК «Юг»")
    september = BatchFactory(organization=north, period=date(2026, 9, 1), created_by=alice)
    october = BatchFactory(organization=south, period=date(2026, 10, 1), created_by=alice)
    BatchTransitionFactory(batch=september, source=Status.DRAFT, target=Status.SUBMITTED, actor=alice)
    BatchTransitionFactory(
        batch=september, source=Status.SUBMITTED, target=Status.DRAFT, actor=bob, reason="<script>alert(1)</script>"
    )
    BatchTransitionFactory(batch=october, source=Status.DRAFT, target=Status.SUBMITTED, actor=alice)
    BatchTransitionFactory(batch=october, source=Status.PUBLISHING, target=Status.FAILED, actor=None)
    CondoCallFactory(batch=september, receipts=1000)
    CondoCallFactory(batch=october, outcome="error", error_class="transient", error_code="TIMEOUT")
    CondoCallFactory(batch=october, operation="allBillingReceipts")
    reconciliation = ReconciliationFactory(
        batch=october,
        batch_receipts=2,
        condo_receipts=1,
        missing_in_condo=1,
        batch_total=Decimal("20.00"),
        condo_total=Decimal("10.00"),
        differences=[missing_in_condo("<b>id</b>", "42", "10.00")],
    )
    return {"alice": alice, "bob": bob, "north": north, "south": south, "reconciliation": reconciliation}


def test_anonymous_is_sent_to_the_login_page(client):
    for url in _lists():
        response = client.get(url)
        assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_staff_without_a_role_is_refused(client, journal):
    client.force_login(UserFactory(username="no-role"))
    for url in [*_lists(), reverse("admin:integration_reconciliation_export", args=[journal["reconciliation"].pk])]:
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_accountants_and_approvers_read_the_audit_but_change_nothing(client, journal, who):
    client.force_login(journal[who])
    for url in _lists():
        assert client.get(url).status_code == 200, url
    assert client.get(reverse("admin:billing_audittransition_add")).status_code == 403
    assert client.get(reverse("admin:integration_condocall_add")).status_code == 403


def _shown(client, url, **filters) -> str:
    response = client.get(url, filters)
    assert response.status_code == 200
    return response.content.decode()


def test_transitions_filter_by_organization_period_user_and_outcome(client, journal):
    client.force_login(journal["bob"])
    url = reverse("admin:billing_audittransition_changelist")
    everything = _shown(client, url)
    assert everything.count('class="field-target"') == 4
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in everything and "<script>alert(1)" not in everything
    assert _shown(client, url, organization=journal["north"].pk).count('class="field-target"') == 2
    assert _shown(client, url, period="2026-10").count('class="field-target"') == 2
    assert _shown(client, url, actor=journal["bob"].pk).count('class="field-target"') == 1
    assert _shown(client, url, actor="system").count('class="field-target"') == 1
    page = _shown(client, url, target__exact="submitted", period="2026-10")
    assert page.count('class="field-target"') == 1 and "УК «Юг»" in page
    assert _shown(client, url, period="junk").count('class="field-target"') == 0


def test_condo_calls_filter_by_outcome_organization_period_and_operation(
    client, journal, django_assert_max_num_queries
):
    client.force_login(journal["alice"])
    url = reverse("admin:integration_condocall_changelist")
    assert _shown(client, url).count('class="field-outcome"') == 3
    assert _shown(client, url, outcome__exact="error").count('class="field-outcome"') == 1
    assert _shown(client, url, organization=journal["south"].pk).count('class="field-outcome"') == 2
    assert _shown(client, url, period="2026-09").count('class="field-outcome"') == 1
    assert _shown(client, url, operation="allBillingReceipts").count('class="field-outcome"') == 1
    for _ in range(30):  # more rows, same queries: batches and organizations are joined
        CondoCallFactory(batch=Batch.objects.first())
    with django_assert_max_num_queries(14):
        client.get(url)


def test_a_reconciliation_downloads_and_its_page_escapes_the_differences(client, journal):
    client.force_login(journal["alice"])
    reconciliation = journal["reconciliation"]
    listing = _shown(client, reverse("admin:integration_reconciliation_changelist"))
    export = reverse("admin:integration_reconciliation_export", args=[reconciliation.pk])
    assert export in listing
    page = _shown(client, reverse("admin:integration_reconciliation_change", args=[reconciliation.pk]))
    assert "&lt;b&gt;id&lt;/b&gt;" in page and "<b>id</b>" not in page
    response = client.get(export)
    rows = data_rows(open_xlsx(b"".join(response.streaming_content))["Расхождения"])
    assert rows == [("Нет в Condo", "42", "<b>id</b>", 10, None, -10)]
