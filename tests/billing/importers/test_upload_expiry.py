"""Uploads nobody confirms or cancels are cancelled after IMPORT_UPLOAD_KEEP_DAYS, files removed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task

from billing.models import Batch, RegistryUpload
from tests.billing.importers.test_admin_upload import _upload

Status = RegistryUpload.Status


@pytest.fixture
def ready_upload(client, importer, organization, desk_file, django_capture_on_commit_callbacks) -> RegistryUpload:
    client.force_login(importer)
    _upload(client, organization, desk_file, capture=django_capture_on_commit_callbacks)
    upload = RegistryUpload.objects.get()
    assert upload.status == Status.READY and default_storage.exists(upload.file.name)
    return upload


def _age(upload: RegistryUpload, days: float) -> None:
    RegistryUpload.objects.filter(pk=upload.pk).update(updated_at=timezone.now() - timedelta(days=days))


def test_an_upload_left_open_past_the_limit_is_cancelled_with_its_file(ready_upload, settings):
    settings.IMPORT_UPLOAD_KEEP_DAYS = 7
    _age(ready_upload, 7.5)
    async_task("billing.tasks.nightly_cleanup")  # the scheduled task, run by django-q2 (sync in tests)

    expired = RegistryUpload.objects.get(pk=ready_upload.pk)
    assert expired.status == Status.CANCELLED
    assert (expired.file.name, expired.preview, expired.errors_report) == ("", {}, [])
    assert "7 дн." in expired.message
    assert not default_storage.exists(ready_upload.file.name)
    assert not Batch.objects.exists()


def test_a_recent_upload_and_finished_ones_are_left_alone(ready_upload, settings):
    settings.IMPORT_UPLOAD_KEEP_DAYS = 7
    _age(ready_upload, 6.5)
    assert async_task("billing.tasks.nightly_cleanup", sync=True) is not None
    ready_upload.refresh_from_db()
    assert ready_upload.status == Status.READY and default_storage.exists(ready_upload.file.name)

    RegistryUpload.objects.filter(pk=ready_upload.pk).update(status=Status.DONE)
    _age(ready_upload, 30)
    async_task("billing.tasks.nightly_cleanup")
    ready_upload.refresh_from_db()
    assert ready_upload.status == Status.DONE and default_storage.exists(ready_upload.file.name)


@pytest.mark.django_db
def test_the_nightly_schedule_exists():
    schedule = Schedule.objects.get(func="billing.tasks.nightly_cleanup")
    assert schedule.schedule_type == Schedule.DAILY and schedule.repeats == -1
