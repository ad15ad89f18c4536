"""A receipts export above EXPORT_INLINE_MAX_RECEIPTS is written by a django-q2 worker and downloaded later."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from django_q.tasks import async_task

from billing.models import ReceiptsExport
from tests.billing.exports.conftest import data_rows, open_xlsx
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
Status = ReceiptsExport.Status


@pytest.fixture(autouse=True)
def small_inline_limit(settings):
    settings.EXPORT_INLINE_MAX_RECEIPTS = 5  # the published batch has 6 receipts


def _request(client, batch, django_capture_on_commit_callbacks, *, run_task: bool = True):
    with django_capture_on_commit_callbacks(execute=run_task):  # the worker runs the task (sync in tests)
        response = client.get(reverse("admin:billing_batch_export_receipts", args=[batch.pk]))
    export = ReceiptsExport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:billing_batch_export_file", args=[export.token])
    return export


def test_a_large_export_is_written_in_the_background_then_downloaded(
    client, accountant, published_batch, django_capture_on_commit_callbacks
):
    client.force_login(accountant)
    export = _request(client, published_batch, django_capture_on_commit_callbacks)
    export.refresh_from_db()
    assert (export.status, export.rows, export.batch_ids) == (Status.READY, 6, [published_batch.pk])
    assert default_storage.exists(export.file.name)

    page = client.get(reverse("admin:billing_batch_export_file", args=[export.token])).content.decode()
    download_url = reverse("admin:billing_batch_export_file_download", args=[export.token])
    assert "Скачать xlsx" in page and download_url in page and 'http-equiv="refresh"' not in page
    assert reverse("admin:billing_batch_changelist") in page and "Выгрузка квитанций" in page  # breadcrumbs
    response = client.get(download_url)
    assert f'filename="kvitancii-paket-{published_batch.pk}.xlsx"' in response["Content-Disposition"]
    assert len(data_rows(open_xlsx(b"".join(response.streaming_content))["Квитанции"])) == 6


def test_the_page_refreshes_itself_until_the_worker_is_done(
    client, accountant, published_batch, django_capture_on_commit_callbacks
):
    client.force_login(accountant)
    export = _request(client, published_batch, django_capture_on_commit_callbacks, run_task=False)
    page = client.get(reverse("admin:billing_batch_export_file", args=[export.token])).content.decode()
    assert 'http-equiv="refresh"' in page and "в фоне" in page
    progress = reverse("admin:billing_batch_job_progress", args=["export", export.token])
    assert progress in page and client.get(progress).json()["label"] == "В очереди"
    # Not ready yet: the download link leads back to the page instead of an empty file.
    download = client.get(reverse("admin:billing_batch_export_file_download", args=[export.token]))
    assert download.status_code == 302
    async_task("billing.tasks.receipts_export_write", export.pk)
    async_task("billing.tasks.receipts_export_write", export.pk)  # a second delivery does nothing
    export.refresh_from_db()
    assert export.status == Status.READY and ReceiptsExport.objects.count() == 1


def test_someone_elses_export_is_refused(client, accountant, published_batch, django_capture_on_commit_callbacks):
    client.force_login(accountant)
    export = _request(client, published_batch, django_capture_on_commit_callbacks)
    other = UserFactory(username="accountant-2", role="Бухгалтер")
    client.force_login(other)
    for name in ("export_file", "export_file_download"):
        assert client.get(reverse(f"admin:billing_batch_{name}", args=[export.token])).status_code == 403


def test_an_unknown_or_removed_export_is_404(client, accountant):
    client.force_login(accountant)
    assert client.get(reverse("admin:billing_batch_export_file", args=[uuid.uuid4()])).status_code == 404


def test_old_exports_are_removed_with_their_files(
    client, accountant, published_batch, settings, django_capture_on_commit_callbacks
):
    client.force_login(accountant)
    export = _request(client, published_batch, django_capture_on_commit_callbacks)
    export.refresh_from_db()
    settings.EXPORT_KEEP_HOURS = 48
    ReceiptsExport.objects.filter(pk=export.pk).update(created_at=timezone.now() - timedelta(hours=47))
    async_task("billing.tasks.nightly_cleanup")
    assert ReceiptsExport.objects.filter(pk=export.pk).exists()
    ReceiptsExport.objects.filter(pk=export.pk).update(created_at=timezone.now() - timedelta(hours=49))
    async_task("billing.tasks.nightly_cleanup")
    assert not ReceiptsExport.objects.filter(pk=export.pk).exists()
    assert not default_storage.exists(export.file.name)


def test_an_export_whose_worker_died_is_removed_too(
    client, accountant, published_batch, django_capture_on_commit_callbacks
):
    client.force_login(accountant)
    export = _request(client, published_batch, django_capture_on_commit_callbacks, run_task=False)
    # Its worker claimed it and died: a retried task finds it taken, so only the cleanup ends it.
    ReceiptsExport.objects.filter(pk=export.pk).update(
        status=Status.RUNNING, created_at=timezone.now() - timedelta(hours=49)
    )
    assert async_task("billing.tasks.receipts_export_write", export.pk)
    assert ReceiptsExport.objects.get(pk=export.pk).status == Status.RUNNING
    async_task("billing.tasks.nightly_cleanup")
    assert not ReceiptsExport.objects.filter(pk=export.pk).exists()


def test_a_small_export_still_downloads_at_once(client, accountant, published_batch, settings):
    settings.EXPORT_INLINE_MAX_RECEIPTS = 6
    client.force_login(accountant)
    response = client.get(reverse("admin:billing_batch_export_receipts", args=[published_batch.pk]))
    assert response.status_code == 200 and response.streaming
    assert not ReceiptsExport.objects.exists()
