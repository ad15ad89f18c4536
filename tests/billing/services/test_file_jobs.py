"""The file jobs' tables: every state of each kind is on its table, and nothing moves off it."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from billing.models import Organization, ReceiptPdfUpload, ReceiptsExport, RegistryUpload
from billing.models.file_jobs import QUEUED
from billing.services.file_jobs import TRANSITIONS, file_job_claim, file_job_move
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
Upload = RegistryUpload.Status


@pytest.mark.parametrize("model", [RegistryUpload, ReceiptPdfUpload, ReceiptsExport])
def test_every_state_of_a_kind_is_reached_from_the_queue(model):
    edges = TRANSITIONS[model]
    reached, frontier = {QUEUED}, [QUEUED]
    while frontier:
        source = frontier.pop()
        for start, target in edges:
            if start == source and target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(model.Status.values)
    assert reached >= model.WORKING and QUEUED in model.WORKING


@pytest.fixture
def export(db):
    return ReceiptsExport.objects.create(filename="x.xlsx", requested_by=UserFactory(username="exporter"))


def test_a_move_off_the_table_is_a_programming_error(export):
    with pytest.raises(ValueError, match="no move"):
        file_job_move(ReceiptsExport, export.pk, source=ReceiptsExport.Status.QUEUED, to=ReceiptsExport.Status.READY)
    export.refresh_from_db()
    assert export.status == QUEUED


def test_only_one_delivery_claims_a_job(export):
    assert file_job_claim(ReceiptsExport, export.pk, to=ReceiptsExport.Status.RUNNING)
    assert not file_job_claim(ReceiptsExport, export.pk, to=ReceiptsExport.Status.RUNNING)
    export.refresh_from_db()
    assert export.status == ReceiptsExport.Status.RUNNING


def test_the_progress_endpoint_knows_only_the_three_kinds(admin_client):
    url = reverse("admin:billing_batch_job_progress", args=["batch", uuid.uuid4()])
    assert admin_client.get(url).status_code == 404


def test_a_superuser_follows_anyones_job_and_an_unknown_token_is_404(admin_client, export):
    url = reverse("admin:billing_batch_job_progress", args=["export", export.token])
    assert admin_client.get(url).json() == {"status": "queued", "label": "В очереди", "working": True}
    missing = reverse("admin:billing_batch_job_progress", args=["export", uuid.uuid4()])
    assert admin_client.get(missing).status_code == 404


def test_an_upload_reports_the_rows_it_read(admin_client, admin_user):
    organization = Organization.objects.create(name="УК «Строки»", tin="7736207543")
    upload = RegistryUpload.objects.create(
        organization=organization,
        period="2026-10-01",
        format_code="auto",
        source_name="r.xlsx",
        uploaded_by=admin_user,
        status=Upload.PARSING,
        rows_read=40,
        rows_total=100,
    )
    url = reverse("admin:billing_batch_job_progress", args=["import", upload.token])
    progress = admin_client.get(url).json()
    assert progress["rows_read"] == 40 and progress["rows_total"] == 100 and progress["working"] is True
