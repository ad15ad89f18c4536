from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils.formats import number_format
from openpyxl import load_workbook

from billing.importers.desk_template import desk_template_bytes, write_desk_registry
from billing.models import Batch, RegistryUpload
from billing.services.registry.parse import registry_parse
from tests.billing.importers.conftest import PERIOD, desk_rows


def _upload(client, organization, path, name=None, format_code="auto", capture=None):
    with path.open("rb") as handle:
        data = {"organization": organization.pk, "period": "2026-10", "format_code": format_code, "file": handle}
        if name:
            handle.name = name
        if capture is None:
            return client.post(reverse("admin:billing_batch_import"), data)
        with capture(execute=True):
            return client.post(reverse("admin:billing_batch_import"), data)


@pytest.fixture
def accountant_client(client, importer):
    client.force_login(importer)
    return client


def test_upload_page_renders_for_an_accountant_and_is_forbidden_without_the_permission(
    accountant_client, client, approver, organization
):
    page = accountant_client.get(reverse("admin:billing_batch_import"))
    assert page.status_code == 200
    assert "Загрузить и проверить" in page.content.decode()
    client.force_login(approver)
    assert client.get(reverse("admin:billing_batch_import")).status_code == 403


def test_upload_preview_confirm_creates_a_draft_batch(
    accountant_client, organization, desk_file, django_capture_on_commit_callbacks
):
    response = _upload(accountant_client, organization, desk_file, capture=django_capture_on_commit_callbacks)
    upload = RegistryUpload.objects.get()
    assert response.status_code == 302 and str(upload.token) in response["Location"]
    assert upload.status == RegistryUpload.Status.READY
    assert upload.rows_total == len(desk_rows()) + 1
    page = accountant_client.get(response["Location"]).content.decode()
    assert "Подтвердить" in page and "Квитанций" in page
    assert number_format(Decimal(upload.preview["total_to_pay"]), 2, force_grouping=True) in page
    progress = accountant_client.get(reverse("admin:billing_batch_job_progress", args=["import", upload.token])).json()
    assert progress["status"] == "ready" and progress["working"] is False
    with django_capture_on_commit_callbacks(execute=True):
        accountant_client.post(reverse("admin:billing_batch_import_confirm", args=[upload.token]))
    upload.refresh_from_db()
    assert upload.status == RegistryUpload.Status.DONE
    batch = Batch.objects.get()
    assert upload.batch == batch and batch.status == Batch.Status.DRAFT
    assert batch.source_file.name == upload.file.name and default_storage.exists(batch.source_file.name)
    assert batch.receipts_count == upload.preview["receipts"]
    # Confirming twice does not create a second batch.
    with django_capture_on_commit_callbacks(execute=True):
        accountant_client.post(reverse("admin:billing_batch_import_confirm", args=[upload.token]))
    assert Batch.objects.count() == 1


def test_a_refused_upload_keeps_only_its_errors(
    accountant_client, organization, tmp_path, django_capture_on_commit_callbacks
):
    rows = desk_rows(accounts=30)
    for row in rows:
        row["to_pay"] = "<script>alert(1)</script>"
    path = tmp_path / "bad.xlsx"
    write_desk_registry(path, iter(rows))
    response = _upload(accountant_client, organization, path, capture=django_capture_on_commit_callbacks)
    upload = RegistryUpload.objects.get()
    assert upload.status == RegistryUpload.Status.REFUSED
    assert upload.errors_count == len(rows) and len(upload.errors) == 200
    assert upload.file.name == "" and Batch.objects.count() == 0
    page = accountant_client.get(response["Location"]).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    download = accountant_client.get(reverse("admin:billing_batch_import_errors", args=[upload.token]))
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content)))["Ошибки"]
    assert sheet.max_row == len(rows) + 1  # header, every error


def test_cancel_discards_the_upload_and_its_file(
    accountant_client, organization, desk_file, django_capture_on_commit_callbacks
):
    _upload(accountant_client, organization, desk_file, capture=django_capture_on_commit_callbacks)
    upload = RegistryUpload.objects.get()
    stored = upload.file.name
    assert default_storage.exists(stored)
    accountant_client.post(reverse("admin:billing_batch_import_cancel", args=[upload.token]))
    upload.refresh_from_db()
    assert upload.status == RegistryUpload.Status.CANCELLED and not default_storage.exists(stored)
    assert accountant_client.get(reverse("admin:billing_batch_import_cancel", args=[upload.token])).status_code == 405


def test_a_file_over_the_size_limit_is_refused_before_storing(accountant_client, organization, desk_file, settings):
    settings.IMPORT_MAX_FILE_BYTES = 1000
    response = _upload(accountant_client, organization, desk_file)
    assert response.status_code == 200 and "слишком большой" in response.content.decode()
    assert RegistryUpload.objects.count() == 0


def test_another_users_upload_is_refused(accountant_client, client, organization, desk_file, accountant):
    _upload(accountant_client, organization, desk_file)
    upload = RegistryUpload.objects.get()
    client.force_login(accountant)
    assert client.get(reverse("admin:billing_batch_import_status", args=[upload.token])).status_code == 403
    progress = reverse("admin:billing_batch_job_progress", args=["import", upload.token])
    assert client.get(progress).status_code == 403


def test_the_downloadable_example_is_a_clean_registry(accountant_client, organization, tmp_path):
    response = accountant_client.get(reverse("admin:billing_batch_import_template", args=["example"]))
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Реестр", "Описание"]
    path = tmp_path / "example.xlsx"
    path.write_bytes(response.content)
    result = registry_parse(organization=organization, period=PERIOD, path=path, source_name="example.xlsx")
    assert result.errors == [] and len(result.accounts) == 3
    empty = load_workbook(io.BytesIO(desk_template_bytes(example=False))).active
    assert empty.max_row == 1 and empty["A1"].value == "Лицевой счёт"


def test_preview_shows_money_as_the_batch_page_does_grouped_with_a_decimal_comma(
    accountant_client, organization, tmp_path, django_capture_on_commit_callbacks
):
    path = tmp_path / "реестр.xlsx"
    write_desk_registry(path, iter(desk_rows(accounts=40)))
    response = _upload(accountant_client, organization, path, capture=django_capture_on_commit_callbacks)
    page = accountant_client.get(response["Location"]).content.decode()
    total = RegistryUpload.objects.get().preview["total_to_pay"]
    assert Decimal(total) >= 1000  # so that a thousands separator must show
    integer, cents = total.split(".")
    assert f'<td class="import-money">{int(integer):,}'.replace(",", "\xa0") + f",{cents}</td>" in page
    assert f">{total}<" not in page


def test_a_scattered_upload_is_checked_grouped_and_its_preview_is_rows_in_key_order(
    accountant_client, organization, tmp_path, settings, django_capture_on_commit_callbacks
):
    from billing.models import UploadReceipt

    settings.IMPORT_WRITE_SLICE = 2
    rows = desk_rows(accounts=6)
    rows.append(rows.pop(0))  # the first account's first line at the end, after slices were staged
    path = tmp_path / "scattered.xlsx"
    write_desk_registry(path, iter(rows))
    _upload(accountant_client, organization, path, capture=django_capture_on_commit_callbacks)
    upload = RegistryUpload.objects.get()
    expected = registry_parse(organization=organization, period=PERIOD, path=path, source_name=path.name)
    assert upload.status == RegistryUpload.Status.READY and expected.ok
    assert upload.preview["receipts"] == len(expected.receipts) and upload.preview["accounts"] == 6
    preview = list(UploadReceipt.objects.filter(upload=upload).order_by("id").values_list("account", "category", "now"))
    assert preview == sorted((r.account, r.category, r.amounts["to_pay"]) for r in expected.receipts)
    assert not UploadReceipt.objects.filter(upload=upload, kind=UploadReceipt.STAGED).exists()
    assert upload.preview["anomalies"]["kinds"]["new"] == len(preview)

    accountant_client.post(reverse("admin:billing_batch_import_cancel", args=[upload.token]))
    assert not UploadReceipt.objects.filter(upload=upload).exists()
