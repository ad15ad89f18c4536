from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from billing.models import Batch, BatchTransition
from billing.services.batches import batch_submit
from tests.billing.admin.conftest import bulk_receipts, published_month_and_next
from tests.factories import BatchFactory, OrganizationFactory, ReceiptFactory, ServiceLineFactory

pytestmark = pytest.mark.django_db


def page_url(batch: Batch) -> str:
    return reverse("admin:billing_batch_change", args=[batch.pk])


def action_url(batch: Batch, action: str) -> str:
    return reverse(f"admin:billing_batch_{action}", args=[batch.pk])


@pytest.fixture
def submitted_batch(accountant):
    batch = BatchFactory(created_by=accountant)
    return batch_submit(batch=batch, by=accountant)


# --- Who sees what -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["accountant", "approver", "superuser"])
def test_list_and_page_render_for_every_role(role, request, login, draft_batch):
    client = login(request.getfixturevalue(role))
    listing = client.get(reverse("admin:billing_batch_changelist"))
    assert listing.status_code == 200
    assert draft_batch.organization.name in listing.content.decode()
    page = client.get(page_url(draft_batch))
    assert page.status_code == 200
    assert "Черновик" in page.content.decode()


def test_staff_without_a_role_sees_nothing(login, staff_without_role, draft_batch):
    client = login(staff_without_role)
    assert client.get(reverse("admin:billing_batch_changelist")).status_code == 403
    assert client.get(page_url(draft_batch)).status_code == 403


def test_accountant_may_submit_a_draft_but_never_approve(login, accountant, draft_batch, submitted_batch):
    client = login(accountant)
    draft_page = client.get(page_url(draft_batch)).content.decode()
    assert action_url(draft_batch, "submit") in draft_page
    submitted_page = client.get(page_url(submitted_batch)).content.decode()
    for action in ("approve", "reject", "submit", "withdraw"):
        assert action_url(submitted_batch, action) not in submitted_page
    assert "Утвердить" not in submitted_page and "Проверка перед утверждением" in submitted_page


def test_approver_sees_approve_and_reject_on_a_submitted_batch_only(login, approver, draft_batch, submitted_batch):
    client = login(approver)
    page = client.get(page_url(submitted_batch)).content.decode()
    assert action_url(submitted_batch, "approve") in page
    assert action_url(submitted_batch, "reject") in page
    assert action_url(draft_batch, "submit") not in client.get(page_url(draft_batch)).content.decode()


def test_the_submitter_never_sees_approve_on_their_own_batch_superuser_included(login, superuser):
    batch = batch_submit(batch=BatchFactory(created_by=superuser), by=superuser)
    page = login(superuser).get(page_url(batch)).content.decode()
    assert action_url(batch, "approve") not in page
    assert action_url(batch, "reject") in page


def test_approvers_get_a_link_to_the_batches_waiting_for_them(login, approver, accountant, submitted_batch):
    own = BatchFactory(created_by=approver, submitted=True)
    listing = login(approver).get(reverse("admin:billing_batch_changelist"))
    assert "Ожидают утверждения: 1" in listing.content.decode()
    queue = login(approver).get(reverse("admin:billing_batch_changelist"), {"awaiting": "me"})
    assert list(queue.context["cl"].result_list) == [submitted_batch]
    assert own not in queue.context["cl"].result_list
    assert (
        "Ожидают утверждения" not in login(accountant).get(reverse("admin:billing_batch_changelist")).content.decode()
    )


def test_list_filters_and_search(login, approver):
    wanted = BatchFactory(organization=OrganizationFactory(name="УК Север"), period=date(2026, 9, 1))
    other = BatchFactory(organization=OrganizationFactory(name="УК Юг"), period=date(2026, 10, 1))
    client = login(approver)
    url = reverse("admin:billing_batch_changelist")

    def shown(**params):
        return list(client.get(url, params).context["cl"].result_list)

    assert shown(q=wanted.organization.tin) == [wanted]
    assert shown(q="Север") == [wanted]
    assert shown(period="2026-10-01") == [other]
    assert shown(status__exact="draft", organization__id__exact=wanted.organization_id) == [wanted]


# --- Buttons -------------------------------------------------------------------------------------


def test_submit_then_approve_through_the_buttons(
    login, accountant, approver, draft_batch, condo_sandbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the check before approval runs (django-q, sync)
        response = login(accountant).post(action_url(draft_batch, "submit"))
    assert response.status_code == 302 and response.url == page_url(draft_batch)
    draft_batch.refresh_from_db()
    assert draft_batch.status == Batch.Status.SUBMITTED
    assert next(str(m) for m in get_messages(response.wsgi_request)).startswith("Пакет отправлен на утверждение.")

    response = login(approver).post(action_url(draft_batch, "approve"))
    assert response.status_code == 302
    draft_batch.refresh_from_db()
    assert (draft_batch.status, draft_batch.approved_by) == (Batch.Status.APPROVED, approver)
    assert list(draft_batch.transitions.values_list("target", "actor")) == [
        ("approved", approver.pk),
        ("submitted", accountant.pk),
    ]


def test_reject_without_a_reason_is_refused_with_a_message(login, approver, submitted_batch):
    response = login(approver).post(action_url(submitted_batch, "reject"), {"reason": "   "}, follow=True)
    assert "Укажите причину" in response.content.decode()
    submitted_batch.refresh_from_db()
    assert submitted_batch.status == Batch.Status.SUBMITTED

    login(approver).post(action_url(submitted_batch, "reject"), {"reason": "Нет пени за сентябрь"})
    submitted_batch.refresh_from_db()
    assert submitted_batch.status == Batch.Status.REJECTED
    assert submitted_batch.transitions.first().reason == "Нет пени за сентябрь"


def test_withdraw_a_published_batch_with_a_reason(login, approver, django_capture_on_commit_callbacks):
    batch = BatchFactory(status=Batch.Status.PUBLISHED)
    page = login(approver).get(page_url(batch)).content.decode()
    assert action_url(batch, "withdraw") in page
    with django_capture_on_commit_callbacks(execute=True):  # the withdrawal task runs inline in tests
        login(approver).post(action_url(batch, "withdraw"), {"reason": "Ошибка в тарифе"})
    batch.refresh_from_db()
    assert batch.status == Batch.Status.WITHDRAWN


def test_a_refusal_by_state_is_a_message_not_a_change(login, approver, draft_batch):
    response = login(approver).post(action_url(draft_batch, "approve"), follow=True)
    assert response.status_code == 200
    assert "нельзя перевести" in response.content.decode()
    draft_batch.refresh_from_db()
    assert draft_batch.status == Batch.Status.DRAFT


@pytest.mark.parametrize(
    ("who", "action", "state"),
    [
        ("accountant", "approve", "submitted"),  # no approver role
        ("submitter_superuser", "approve", "submitted"),  # four eyes, superusers too
        ("approver", "submit", "draft"),  # no accountant role
        ("staff_without_role", "submit", "draft"),
        ("staff_without_role", "reject", "submitted"),
    ],
)
def test_a_forbidden_post_answers_403_and_changes_nothing(who, action, state, request, login, superuser, accountant):
    submitter = superuser if who == "submitter_superuser" else accountant
    batch = BatchFactory(created_by=submitter)
    if state == "submitted":
        batch = batch_submit(batch=batch, by=submitter)
    user = superuser if who == "submitter_superuser" else request.getfixturevalue(who)
    transitions_before = BatchTransition.objects.count()

    response = login(user).post(action_url(batch, action), {"reason": "потому что"})

    assert response.status_code == 403
    batch.refresh_from_db()
    assert batch.status == state
    assert BatchTransition.objects.count() == transitions_before


def test_actions_answer_only_post(login, accountant, draft_batch):
    response = login(accountant).get(action_url(draft_batch, "submit"))
    assert response.status_code == 405
    draft_batch.refresh_from_db()
    assert draft_batch.status == Batch.Status.DRAFT


def test_add_change_and_delete_are_not_offered_even_to_superusers(login, superuser, draft_batch):
    client = login(superuser)
    assert client.get(reverse("admin:billing_batch_add")).status_code == 403
    assert client.post(reverse("admin:billing_batch_delete", args=[draft_batch.pk])).status_code == 403
    assert client.post(page_url(draft_batch), {"status": "published"}).status_code == 403
    draft_batch.refresh_from_db()
    assert draft_batch.status == Batch.Status.DRAFT


# --- What the page shows -------------------------------------------------------------------------


def test_page_shows_totals_per_service_history_and_anomalies(login, approver, accountant):
    previous, batch = published_month_and_next(receipts=3, created_by=accountant)
    bulk_receipts(batch, 3, first=1, amount=Decimal("250.50"))  # account 0 gone, 3 new, 1 and 2 moved by 150 %
    batch = batch_submit(batch=batch, by=accountant)

    response = login(approver).get(page_url(batch))
    html = response.content.decode()
    assert "Услуга 0" in html and "Услуга 1" in html
    assert response.context["totals"].to_pay == Decimal("751.50")
    assert "751,50" in html
    anomalies = response.context["anomalies"]
    assert anomalies.previous == previous
    assert (anomalies.new_accounts, anomalies.disappeared_accounts, anomalies.moved_receipts) == (1, 1, 2)
    assert "LS0000000" in html  # the account that disappeared
    history = response.context["transitions"]
    assert [(t.source, t.target, t.actor) for t in history] == [("draft", "submitted", accountant)]


def test_receipts_are_paged_by_fifty_and_filtered(login, approver):
    _, batch = published_month_and_next(receipts=100)
    bulk_receipts(batch, 110, amount=Decimal("100"))  # accounts 100..109 are new
    client = login(approver)

    first = client.get(page_url(batch))
    assert len(first.context["receipts"]) == 50
    assert (first.context["page_count"], first.context["receipts_total"]) == (3, 110)
    third = client.get(page_url(batch), {"page": 3})
    assert len(third.context["receipts"]) == 10
    assert third.context["next_page_url"] is None

    new = client.get(page_url(batch), {"anomaly": "new"})
    assert [r.account.number for r in new.context["receipts"]] == [f"LS{i:07d}" for i in range(100, 110)]
    rejected = client.get(page_url(batch), {"state": "rejected"})
    assert rejected.context["receipts"] == [] and rejected.context["receipts_total"] == 0
    garbage = client.get(page_url(batch), {"state": "nope", "anomaly": "<x>", "page": "-3"})
    assert garbage.status_code == 200 and len(garbage.context["receipts"]) == 50


@pytest.mark.parametrize("kept", [20_000, 3])
def test_an_anomaly_filter_pages_the_same_from_the_cached_ids_or_from_the_query(login, approver, kept, monkeypatch):
    from billing.selectors import review

    # Over the kept number the filter's receipts are not listed in the figures: the query pages them.
    monkeypatch.setattr(review, "ANOMALY_IDS_KEPT", kept)
    _, batch = published_month_and_next(receipts=40)
    bulk_receipts(batch, 95, amount=Decimal("100"))  # accounts 40..94 are new
    client = login(approver)

    first = client.get(page_url(batch), {"anomaly": "new"})
    second = client.get(page_url(batch), {"anomaly": "new", "page": 2})
    numbers = [r.account.number for r in first.context["receipts"] + second.context["receipts"]]
    assert numbers == [f"LS{i:07d}" for i in range(40, 95)]
    assert ("new" in first.context["anomalies"].receipt_ids) is (kept > 55)
    assert first.context["receipts_total"] == (55 if kept > 55 else None)


def test_user_input_is_escaped(login, approver, accountant):
    organization = OrganizationFactory(name="<script>alert('org')</script>")
    batch = BatchFactory(organization=organization, created_by=accountant, source_name="<img src=x onerror=1>.xlsx")
    receipt = ReceiptFactory(batch=batch, account__full_name="<b>Жилец</b>", to_pay=Decimal("-1"))
    ServiceLineFactory(receipt=receipt, name="<i>Вывоз</i>")
    batch = batch_submit(batch=batch, by=accountant)
    login(approver).post(action_url(batch, "reject"), {"reason": "<script>alert('reason')</script>"})

    html = login(approver).get(page_url(batch)).content.decode()
    for raw in ("<script>alert(", "<img src=x", "<b>Жилец</b>", "<i>Вывоз</i>"):
        assert raw not in html
    assert "&lt;script&gt;alert(&#x27;reason&#x27;)&lt;/script&gt;" in html
    assert "&lt;b&gt;Жилец&lt;/b&gt;" in html


def test_unknown_batch_is_404(login, approver):
    assert login(approver).get(reverse("admin:billing_batch_change", args=[999999])).status_code == 404
    assert login(approver).post(action_url(Batch(pk=999999), "approve")).status_code == 404
