"""Publishing on the batch page: live progress, retry, reconcile, supersede, and the failures link."""

from __future__ import annotations

import pytest
from django.urls import reverse

from billing.models import Batch, BatchTransition, Receipt
from integration.models import Reconciliation
from integration.publishing.publisher import batch_publish
from integration.sandbox.faults import FaultConfig
from tests.factories import BatchFactory
from tests.integration.publishing.builders import batch_with_receipts, live_receipts

Status = Batch.Status
pytestmark = pytest.mark.django_db


def page(batch):
    return reverse("admin:billing_batch_change", args=[batch.pk])


def test_progress_answers_live_figures_to_whoever_may_see_the_batch(login, accountant, staff_without_role):
    batch = BatchFactory(status=Status.PUBLISHING, receipts_count=10, accepted_count=4, rejected_count=1)
    url = reverse("admin:billing_batch_progress", args=[batch.pk])

    progress = login(accountant).get(url).json()

    assert progress | {"percent": progress["percent"]} == progress
    assert (progress["accepted"], progress["rejected"], progress["pending"], progress["percent"]) == (4, 1, 5, 50)
    assert progress["live"] is True
    assert login(staff_without_role).get(url).status_code == 403


def test_the_page_of_a_publishing_batch_polls_its_progress(login, approver):
    batch = BatchFactory(status=Status.PUBLISHING, receipts_count=10)
    html = login(approver).get(page(batch)).content.decode()
    assert reverse("admin:billing_batch_progress", args=[batch.pk]) in html
    assert "setTimeout(poll" in html


def test_retry_rejected_sends_them_again_after_a_fix(
    condo_sandbox, login, approver, accountant, django_capture_on_commit_callbacks
):
    batch = batch_with_receipts(receipts=6)
    bad = Receipt.objects.filter(batch=batch).first()
    condo_sandbox.faults = FaultConfig(reject={bad.import_id: "WRONG_MONTH"})
    assert batch_publish(batch_id=batch.pk).status == Status.PARTIALLY_PUBLISHED
    condo_sandbox.faults = FaultConfig()
    url = reverse("admin:billing_batch_retry_rejected", args=[batch.pk])

    assert "Повторить отклонённые (1)" in login(approver).get(page(batch)).content.decode()
    assert "Повторить отклонённые" not in login(accountant).get(page(batch)).content.decode()
    assert login(accountant).post(url).status_code == 403
    assert Batch.objects.get(pk=batch.pk).status == Status.PARTIALLY_PUBLISHED

    with django_capture_on_commit_callbacks(execute=True):
        login(approver).post(url)

    assert Batch.objects.get(pk=batch.pk).status == Status.PUBLISHED
    assert len(live_receipts(condo_sandbox)) == 6
    assert BatchTransition.objects.filter(batch=batch, target=Status.PUBLISHING, actor=approver).exists()


def test_publish_again_restarts_a_failed_batch(condo_sandbox, login, approver, django_capture_on_commit_callbacks):
    batch = batch_with_receipts(receipts=4, status=Status.FAILED)
    with django_capture_on_commit_callbacks(execute=True):
        login(approver).post(reverse("admin:billing_batch_publish_again", args=[batch.pk]))
    assert Batch.objects.get(pk=batch.pk).status == Status.PUBLISHED


def test_reconcile_button_stores_a_comparison_shown_on_the_page(
    condo_sandbox, login, accountant, django_capture_on_commit_callbacks
):
    batch = batch_with_receipts(receipts=3)
    batch_publish(batch_id=batch.pk)
    Reconciliation.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        login(accountant).post(reverse("admin:billing_batch_reconcile", args=[batch.pk]))
    assert Reconciliation.objects.get(batch=batch).is_consistent
    assert "Расхождений нет." in login(accountant).get(page(batch)).content.decode()


def test_supersede_is_confirmed_on_the_new_batch_and_withdraws_what_the_new_lacks(
    condo_sandbox, login, approver, accountant, django_capture_on_commit_callbacks
):
    old = batch_with_receipts(receipts=5)
    batch_publish(batch_id=old.pk)
    new = batch_with_receipts(receipts=3, organization=old.organization)
    batch_publish(batch_id=new.pk)
    url = reverse("admin:billing_batch_supersede", args=[old.pk, new.pk])
    confirm = reverse("admin:billing_batch_replace_confirm", args=[new.pk])

    old_page = login(approver).get(page(old)).content.decode()
    assert url not in old_page and page(new) in old_page  # the old page points at the new one
    assert confirm in login(approver).get(page(new)).content.decode()
    assert confirm not in login(accountant).get(page(new)).content.decode()
    assert login(accountant).get(confirm).status_code == 403

    confirmation = login(approver).get(confirm).content.decode()
    assert url in confirmation
    # Nothing prefilled: the reason is typed by the person.
    assert '<textarea id="confirm-reason" name="reason" required autocomplete="off"></textarea>' in confirmation
    with django_capture_on_commit_callbacks(execute=True):
        response = login(approver).post(url, {"reason": "Исправленный реестр"})

    assert response["Location"] == page(new)
    assert Batch.objects.get(pk=old.pk).status == Status.SUPERSEDED
    assert set(live_receipts(condo_sandbox)) == set(
        Receipt.objects.filter(batch=new).values_list("import_id", flat=True)
    )


def test_the_batch_list_links_publishing_failures_and_refreshes_while_publishing(login, approver):
    BatchFactory(status=Status.FAILED, last_error="Condo недоступен")
    html = login(approver).get(reverse("admin:billing_batch_changelist")).content.decode()
    assert "Сбои публикации: 1" in html and "status__exact=failed" in html
    assert "сбой: Condo недоступен" in html
    assert 'http-equiv="refresh"' not in html
    BatchFactory(status=Status.PUBLISHING)
    assert 'http-equiv="refresh"' in login(approver).get(reverse("admin:billing_batch_changelist")).content.decode()
