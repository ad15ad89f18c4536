"""The PDF pages of a batch: upload and report, send, download; who may do what."""

from __future__ import annotations

import io

import pytest
from django.test import TestCase
from django.urls import reverse

from billing.models import Batch, ReceiptPdf
from tests.billing.pdfs.support import make_pdf, stored_files, zip_of
from tests.factories import UserFactory
from tests.integration.publishing.builders import batch_with_receipts

pytestmark = pytest.mark.django_db


def upload(client, batch, entries: dict[str, bytes], *, follow: bool = True):
    """Upload as the browser does; the worker's task runs when the request commits (sync in tests)."""
    archive = io.BytesIO(zip_of(entries))
    archive.name = "pdfs.zip"
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("admin:billing_batch_pdfs", args=[batch.pk]), {"archive": archive})
    if follow and response.status_code == 302:
        return client.get(response["Location"])  # the page following the upload, once the worker is done
    return response


def test_the_upload_page_is_for_accountants_only(client, batch, accountant, approver):
    url = reverse("admin:billing_batch_pdfs", args=[batch.pk])
    assert client.get(url).status_code == 302  # anonymous: to the login page
    assert "login" in client.get(url)["Location"]
    client.force_login(UserFactory(username="staff-no-role"))
    assert client.get(url).status_code == 403
    assert upload(client, batch, {"00000000.pdf": make_pdf()}).status_code == 403
    client.force_login(approver)  # sees the state, may not upload
    page = client.get(url)
    assert page.status_code == 200 and "Квитанций с PDF" in page.content.decode()
    assert 'type="file"' not in page.content.decode()
    assert upload(client, batch, {"00000000.pdf": make_pdf()}).status_code == 403
    assert not ReceiptPdf.objects.exists()
    client.force_login(accountant)
    page = client.get(url)
    assert page.status_code == 200
    assert "Загрузить PDF" in page.content.decode() and "00012345_102026.pdf" in page.content.decode()


def test_an_upload_shows_the_report_with_names_escaped(client, batch, accountant, pdf_storage):
    client.force_login(accountant)
    response = upload(
        client,
        batch,
        {
            "00000000.pdf": make_pdf(),
            "00000001.pdf": b"not a pdf",
            "<script>alert(1)</script>.pdf": make_pdf("x"),
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Результат загрузки" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.pdf" in page and "<script>alert(1)" not in page
    assert "не начинается с «%PDF-»" in page
    assert "00000002 (ЖКУ)" in page  # the receipt left without a file
    assert ReceiptPdf.objects.get().receipt.account.number == "00000000"


def test_a_hostile_archive_is_refused_on_the_page_and_nothing_is_stored(client, batch, accountant, pdf_storage):
    client.force_login(accountant)
    response = upload(client, batch, {"00000000.pdf": make_pdf(), "../../evil.pdf": make_pdf()})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Архив не принят, ничего не сохранено" in page and "«..»" in page
    assert not ReceiptPdf.objects.exists() and stored_files(pdf_storage) == []


def test_the_upload_needs_a_csrf_token(batch, accountant):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(accountant)
    assert upload(client, batch, {"00000000.pdf": make_pdf()}).status_code == 403
    assert not ReceiptPdf.objects.exists()


def test_the_download_streams_the_pdf_to_viewers_only(client, batch, accountant, approver, pdf_storage):
    client.force_login(accountant)
    upload(client, batch, {"00000001.pdf": make_pdf("downloaded")})
    pdf = ReceiptPdf.objects.get()
    url = reverse("admin:billing_batch_pdf_download", args=[batch.pk, pdf.receipt_id])

    client.force_login(approver)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    # The Russian category word, RFC 5987-encoded: the same name uploads back to the same receipt.
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''00000001_102026_%D0%B6%D0%BA%D1%83.pdf"
    assert b"".join(response.streaming_content) == make_pdf("downloaded")

    client.force_login(UserFactory(username="staff-no-role"))
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302
    # A receipt of another batch is not reachable through this batch.
    other = batch_with_receipts(receipts=1, status=Batch.Status.DRAFT, organization=batch.organization)
    client.force_login(approver)
    assert client.get(reverse("admin:billing_batch_pdf_download", args=[other.pk, pdf.receipt_id])).status_code == 404


def test_the_send_button_is_post_only_and_for_approvers(client, accountant, approver, pdf_storage):
    batch = batch_with_receipts(receipts=1, status=Batch.Status.PUBLISHED)
    url = reverse("admin:billing_batch_pdfs_send", args=[batch.pk])
    client.force_login(approver)
    assert client.get(url).status_code == 405
    client.force_login(accountant)
    assert client.post(url).status_code == 403
    client.force_login(approver)
    response = client.post(url, follow=True)
    assert "Нет PDF, ожидающих отправки" in response.content.decode()


def test_the_batch_summary_snippet_and_receipt_snippet_render(client, batch, accountant, pdf_storage, rf):
    from django.contrib import admin
    from django.template.loader import render_to_string

    from billing.admin.panels.pdfs import pdf_context
    from billing.admin.receipt_pdf_state import receipt_pdf_state_html

    client.force_login(accountant)
    upload(client, batch, {"00000000.pdf": make_pdf()})
    request = rf.get("/")
    request.user = accountant
    context = pdf_context(admin.site._registry[Batch], request, batch)
    html = render_to_string("admin/billing/batch/pdfs_summary.html", {**context, "request": request})
    assert "Квитанций с PDF" in html and "1 из 3" in html and "Загрузить PDF (ZIP)" in html
    assert "Отправить PDF в Condo" not in html  # a draft publishes its PDFs with its receipts

    pdf = ReceiptPdf.objects.select_related("receipt").get()
    state = receipt_pdf_state_html(receipt=pdf.receipt)
    assert "Ожидает отправки" in state
    assert reverse("admin:billing_batch_pdf_download", args=[batch.pk, pdf.receipt_id]) in state
    other = batch.receipts.exclude(pk=pdf.receipt_id).first()
    assert "нет PDF" in receipt_pdf_state_html(receipt=other)


def test_the_page_follows_the_worker_until_the_report_is_ready(client, batch, accountant, approver, pdf_storage):
    from django.core.files.storage import default_storage
    from django_q.tasks import async_task

    from billing.models import ReceiptPdfUpload

    client.force_login(accountant)
    archive = io.BytesIO(zip_of({"00000000.pdf": make_pdf()}))
    archive.name = "pdfs.zip"
    response = client.post(reverse("admin:billing_batch_pdfs", args=[batch.pk]), {"archive": archive})  # task not run
    upload = ReceiptPdfUpload.objects.get()
    assert response.status_code == 302 and str(upload.token) in response["Location"]
    stored_archive = upload.archive.name
    assert default_storage.exists(stored_archive)
    page = client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' in page and '«pdfs.zip»: <span id="pdfs-status">в очереди' in page
    assert "Результат загрузки" not in page
    # The page polls the file jobs' one progress endpoint, which answers for its owner only.
    progress_url = reverse("admin:billing_batch_job_progress", args=["pdfs", upload.token])
    assert progress_url in page
    assert client.get(progress_url).json() == {"status": "queued", "label": "В очереди", "working": True}

    client.force_login(approver)  # someone else's upload: the page simply does not follow it
    assert "pdfs.zip" not in client.get(response["Location"]).content.decode()
    assert client.get(progress_url).status_code == 403

    async_task("billing.tasks.pdf_archive_attach", upload.pk)
    async_task("billing.tasks.pdf_archive_attach", upload.pk)  # a second delivery does nothing
    upload.refresh_from_db()
    assert upload.status == ReceiptPdfUpload.Status.DONE and upload.report["attached"] == 1
    assert upload.archive.name == "" and ReceiptPdf.objects.count() == 1
    assert not default_storage.exists(stored_archive)  # read once, then gone
    client.force_login(accountant)
    page = client.get(response["Location"]).content.decode()
    assert "Результат загрузки" in page and 'http-equiv="refresh"' not in page


def test_an_old_pdf_upload_is_forgotten_with_an_archive_its_lost_task_left(client, batch, accountant, settings):
    from datetime import timedelta

    from django.core.files.storage import default_storage
    from django.utils import timezone
    from django_q.tasks import async_task

    from billing.models import ReceiptPdfUpload

    client.force_login(accountant)
    upload(client, batch, {"00000000.pdf": make_pdf()})
    archive = io.BytesIO(zip_of({"00000001.pdf": make_pdf()}))
    archive.name = "lost.zip"
    client.post(reverse("admin:billing_batch_pdfs", args=[batch.pk]), {"archive": archive})  # its task never runs
    lost = ReceiptPdfUpload.objects.get(source_name="lost.zip")
    settings.IMPORT_UPLOAD_KEEP_DAYS = 7
    ReceiptPdfUpload.objects.update(created_at=timezone.now() - timedelta(days=8))
    async_task("billing.tasks.nightly_cleanup")
    assert not ReceiptPdfUpload.objects.exists() and not default_storage.exists(lost.archive.name)
    assert ReceiptPdf.objects.count() == 1  # the attached PDFs themselves stay
