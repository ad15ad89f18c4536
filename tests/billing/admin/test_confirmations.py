"""Confirmation pages before «Утвердить», «Отозвать» and «Подтвердить замену», and the correction figures."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import Batch, BatchTransition, Receipt
from billing.selectors.corrections import batch_replacement, batch_withdrawal_preview
from integration.publishing.publisher import batch_publish
from tests.factories import BatchFactory, UserFactory
from tests.integration.publishing.builders import batch_with_receipts, published_and_its_correction

Status = Batch.Status
pytestmark = pytest.mark.django_db
EMPTY_REASON = '<textarea id="confirm-reason" name="reason" required autocomplete="off"></textarea>'


def page(batch):
    return reverse("admin:billing_batch_change", args=[batch.pk])


def submitted(accountant, receipts=3):
    batch = batch_with_receipts(receipts=receipts, status=Status.SUBMITTED, amount=Decimal("1520.40"))
    Batch.objects.filter(pk=batch.pk).update(
        submitted_by=accountant,
        receipts_count=receipts,
        accounts_count=receipts,
        total_to_pay=Decimal("1520.40") * receipts,
    )
    batch.refresh_from_db()
    return batch


def test_approve_opens_a_confirmation_with_the_numbers_and_a_danger_button(login, accountant, approver):
    batch = submitted(accountant, receipts=1234)
    confirm = reverse("admin:billing_batch_approve_confirm", args=[batch.pk])

    review = login(approver).get(page(batch)).content.decode()
    assert f'href="{confirm}"' in review
    assert f'action="{reverse("admin:billing_batch_approve", args=[batch.pk])}"' not in review

    html = login(approver).get(confirm).content.decode().replace("\xa0", " ")
    assert "delete-confirmation" in html  # Django's danger-coloured submit button
    assert "1 234 квитанции" in html and "1 876 173,60 ₽" in html
    assert "APPROVAL FINGERPRINT" not in html  # the marked spot is a template comment
    assert reverse("admin:billing_batch_approve", args=[batch.pk]) in html
    assert Batch.objects.get(pk=batch.pk).status == Status.SUBMITTED  # looking changes nothing


def test_the_submitter_and_the_accountant_get_the_refusal_instead_of_a_form(login, accountant):
    batch = submitted(accountant)
    confirm = reverse("admin:billing_batch_approve_confirm", args=[batch.pk])
    response = login(accountant).get(confirm)
    assert response.status_code == 403 and "confirm-form" not in response.content.decode()

    both = UserFactory(username="both-roles", is_superuser=True)
    Batch.objects.filter(pk=batch.pk).update(submitted_by=both)
    response = login(both).get(confirm)
    assert response.status_code == 403 and "сами отправили" in response.content.decode()


def test_a_confirmation_of_a_batch_in_another_state_goes_back_with_the_reason(login, approver):
    batch = BatchFactory(status=Status.DRAFT)
    response = login(approver).get(reverse("admin:billing_batch_approve_confirm", args=[batch.pk]), follow=True)
    assert response.redirect_chain[-1][0] == page(batch)
    assert "нельзя перевести" in response.content.decode()


def test_withdraw_confirmation_counts_what_leaves_condo_and_asks_for_a_typed_reason(login, approver):
    batch = batch_with_receipts(receipts=4, status=Status.PUBLISHED, amount=Decimal("1000.10"))
    for n, receipt in enumerate(Receipt.objects.filter(batch=batch).order_by("pk")):
        if n:
            Receipt.objects.filter(pk=receipt.pk).update(
                publish_state=Receipt.PublishState.ACCEPTED, condo_id=f"condo-{receipt.pk}"
            )
        else:
            Receipt.objects.filter(pk=receipt.pk).update(publish_state=Receipt.PublishState.REJECTED, error_code="X")
    Batch.objects.filter(pk=batch.pk).update(receipts_count=4, accepted_count=3, rejected_count=1)

    review = login(approver).get(page(batch)).content.decode()
    assert reverse("admin:billing_batch_withdraw_confirm", args=[batch.pk]) in review
    assert 'name="withdraw"' not in review  # no one-click form on the batch page any more

    html = login(approver).get(reverse("admin:billing_batch_withdraw_confirm", args=[batch.pk])).content.decode()
    assert "3 квитанции" in html and "3\xa0000,30 ₽" in html
    assert EMPTY_REASON in html
    assert batch_withdrawal_preview(batch=batch).receipts == 3


def test_a_withdrawal_without_a_reason_is_refused_and_nothing_happens(login, approver):
    batch = batch_with_receipts(receipts=1, status=Status.PUBLISHED)
    response = login(approver).post(
        reverse("admin:billing_batch_withdraw", args=[batch.pk]), {"reason": "  "}, follow=True
    )
    assert "Укажите причину" in response.content.decode()
    assert Batch.objects.get(pk=batch.pk).status == Status.PUBLISHED
    assert not BatchTransition.objects.filter(batch=batch).exists()


def test_the_replacement_counts_updated_changed_added_and_withdrawn(condo_sandbox):
    old, new = published_and_its_correction(amount=Decimal("100.00"), changed_to=Decimal("250.00"), status=Status.DRAFT)
    Batch.objects.filter(pk=new.pk).update(receipts_count=6)
    new.refresh_from_db()

    replacement = batch_replacement(batch=new)
    assert replacement.old == old
    assert (replacement.updated, replacement.changed, replacement.added, replacement.withdrawn) == (3, 1, 3, 2)
    assert replacement.withdrawn_total == Decimal("200.00")
    assert batch_replacement(batch=old) is None


def test_the_new_batch_page_says_what_it_replaces_and_the_old_one_points_at_it(condo_sandbox, login, approver):
    old = batch_with_receipts(receipts=2)
    batch_publish(batch_id=old.pk)
    new = batch_with_receipts(receipts=3, organization=old.organization, status=Status.DRAFT)
    Batch.objects.filter(pk=new.pk).update(receipts_count=3)

    html = login(approver).get(page(new)).content.decode()
    assert "заменяет опубликованный" in html and f"пакет №{old.pk}" in html
    assert 'id="replacement-updated">2 квитанции' in html and 'id="replacement-added">1 квитанция' in html
    assert "Подтвердить замену" not in html  # only once the new batch is published
