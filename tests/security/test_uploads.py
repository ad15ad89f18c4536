"""Uploaded files: bounded while they arrive, judged by content, stored by random name, never served.

Already covered elsewhere and not repeated here:
- a registry over IMPORT_MAX_FILE_BYTES is refused in words before it is stored
  (tests/billing/importers/test_admin_upload.py::test_a_file_over_the_size_limit_is_refused_before_storing);
- the row limit of xlsx, xls and ods, counted before parsing (test_hostile_files.py, test_ods_and_limits.py);
- text or random bytes named .xlsx are refused by content (test_hostile_files.py::test_csv_named_xlsx, …);
- hostile ZIPs of PDFs (tests/billing/pdfs/test_hostile_archives.py);
- who may download a PDF and the import errors (tests/security/test_role_matrix.py, tests/billing/pdfs/test_admin.py).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse
from django.views import static

from billing.importers.desk_template import write_desk_registry
from billing.models import Batch, ReceiptPdf, RegistryUpload
from billing.services.receipt_pdfs import receipt_pdfs_attach
from config.uploads import UploadSizeLimitHandler
from tests.billing.importers.conftest import desk_rows, organization, recipient  # noqa: F401 - fixtures
from tests.billing.pdfs.support import make_pdf, zip_of
from tests.factories import UserFactory
from tests.integration.publishing.builders import batch_with_receipts

pytestmark = pytest.mark.django_db
RANDOM_NAME = re.compile(r"^registries/[0-9a-f]{32}(\.[a-z0-9]{1,7})?$")


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def accountant_client(client, db):
    client.force_login(UserFactory(username="uploads-accountant", role="Бухгалтер"))
    return client


@pytest.fixture
def registry(tmp_path) -> bytes:
    path = tmp_path / "registry.xlsx"
    write_desk_registry(path, iter(desk_rows(accounts=3)))
    return path.read_bytes()


def upload(client, organization, content: bytes, name: str, capture=None):
    data = {
        "organization": organization.pk,
        "period": "2026-10",
        "format_code": "auto",
        "file": SimpleUploadedFile(name, content),
    }
    if capture is None:
        return client.post(reverse("admin:billing_batch_import"), data)
    with capture(execute=True):
        return client.post(reverse("admin:billing_batch_import"), data)


def files_under(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


# --- Size: bounded while the request arrives ----------------------------------------------------


def test_a_request_over_the_upload_cap_is_refused_before_anything_is_stored(
    accountant_client, organization, media_root, settings, registry
):
    settings.UPLOAD_MAX_REQUEST_BYTES = len(registry) // 2
    response = upload(accountant_client, organization, registry, "реестр.xlsx")
    assert response.status_code == 400
    assert not RegistryUpload.objects.exists() and files_under(media_root) == []
    # Anonymous too: the CSRF check reads the form before any login check, so the cap must hold there.
    stranger = Client(enforce_csrf_checks=True)
    stranger.cookies["csrftoken"] = "x" * 32
    assert upload(stranger, organization, registry, "реестр.xlsx").status_code == 400
    assert files_under(media_root) == []


def test_a_body_without_a_declared_length_is_cut_off_at_the_cap(settings):
    settings.UPLOAD_MAX_REQUEST_BYTES = 100
    handler = UploadSizeLimitHandler()
    assert handler.handle_raw_input(None, {}, 0, b"boundary") is None
    assert handler.receive_data_chunk(b"x" * 60, 0) == b"x" * 60
    with pytest.raises(RequestDataTooBig):
        handler.receive_data_chunk(b"x" * 60, 60)


def test_the_cap_admits_the_largest_file_the_desk_takes():
    largest = max(django_settings.IMPORT_MAX_FILE_BYTES, django_settings.RECEIPT_PDF_ARCHIVE_MAX_BYTES)
    assert largest < django_settings.UPLOAD_MAX_REQUEST_BYTES <= largest + 10 * 1024 * 1024
    assert django_settings.FILE_UPLOAD_HANDLERS[0] == "config.uploads.UploadSizeLimitHandler"


# --- Rows and content, through the admin ------------------------------------------------------------


def test_the_row_limit_refuses_the_upload_and_deletes_the_file(
    accountant_client, organization, media_root, settings, registry, django_capture_on_commit_callbacks
):
    settings.IMPORT_MAX_ROWS = 2
    upload(accountant_client, organization, registry, "реестр.xlsx", capture=django_capture_on_commit_callbacks)
    refused = RegistryUpload.objects.get()
    assert refused.status == RegistryUpload.Status.REFUSED
    assert "больше 2 строк данных" in refused.errors[0]["message"]
    assert refused.file.name == "" and files_under(media_root) == [] and not Batch.objects.exists()


@pytest.mark.parametrize("name", ["реестр.txt", "реестр", "реестр.pdf"])
def test_a_workbook_is_read_as_a_workbook_whatever_its_name(
    name, accountant_client, organization, media_root, registry, django_capture_on_commit_callbacks
):
    upload(accountant_client, organization, registry, "реестр.xlsx", capture=django_capture_on_commit_callbacks)
    upload(accountant_client, organization, registry, name, capture=django_capture_on_commit_callbacks)
    baseline, checked = RegistryUpload.objects.order_by("pk")
    assert checked.status == RegistryUpload.Status.READY, checked.errors
    assert checked.detected_format == baseline.detected_format == "desk_excel"
    assert checked.preview["receipts"] == baseline.preview["receipts"] > 0
    assert checked.preview["total_to_pay"] == baseline.preview["total_to_pay"]


def test_text_named_xlsx_is_refused_through_the_admin_too(
    accountant_client, organization, media_root, django_capture_on_commit_callbacks
):
    upload(
        accountant_client,
        organization,
        "0001;г Москва;100,00;1026\n".encode("cp1251"),
        "реестр.xlsx",
        capture=django_capture_on_commit_callbacks,
    )
    refused = RegistryUpload.objects.get()
    assert refused.status == RegistryUpload.Status.REFUSED
    assert "внутри не книга Excel" in refused.errors[0]["message"]
    assert files_under(media_root) == []


# --- Where files are kept ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["реестр.xlsx", "../../etc/passwd.xlsx", "отчёт.XLSX", "x.<script>", "a.b c d e f g h", "реестр.php"]
)
def test_registries_are_stored_under_media_root_by_random_name(
    name, accountant_client, organization, media_root, registry
):
    upload(accountant_client, organization, registry, name)
    stored = RegistryUpload.objects.get().file.name
    assert RANDOM_NAME.match(stored), stored
    assert len(Path(name).stem) < 4 or Path(name).stem.lower() not in stored
    (path,) = files_under(media_root)
    assert path == media_root / stored and path.read_bytes() == registry


def test_pdfs_are_stored_by_random_name(media_root, db):
    batch = batch_with_receipts(receipts=1, status=Batch.Status.DRAFT)
    number = batch.receipts.get().account.number
    accountant = UserFactory(username="pdf-accountant", role="Бухгалтер")
    receipt_pdfs_attach(batch=batch, archive=io.BytesIO(zip_of({f"{number}.pdf": make_pdf()})), by=accountant)
    stored = ReceiptPdf.objects.get().file.name
    assert re.match(r"^receipt-pdfs/[0-9a-f]{2}/[0-9a-f]{32}\.pdf$", stored) and number not in stored
    assert (media_root / stored).is_file()


def test_media_root_is_outside_static_files_and_is_not_routed(settings):
    media = Path(django_settings.MEDIA_ROOT).resolve()
    static_roots = [Path(settings.STATIC_ROOT).resolve(), *(Path(d).resolve() for d in settings.STATICFILES_DIRS)]
    assert all(not media.is_relative_to(root) and not root.is_relative_to(media) for root in static_roots)
    assert not media.is_relative_to(Path(settings.BASE_DIR) / "templates")

    def views(patterns):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from views(entry.url_patterns)
            elif isinstance(entry, URLPattern):
                yield entry.callback

    assert static.serve not in list(views(get_resolver().url_patterns))
    assert not settings.MEDIA_URL or settings.MEDIA_URL in ("/", "")


def test_a_stored_file_is_not_reachable_by_url(accountant_client, client, organization, media_root, registry):
    upload(accountant_client, organization, registry, "реестр.xlsx")
    stored = RegistryUpload.objects.get().file.name
    client.force_login(UserFactory(username="uploads-root", is_superuser=True))
    for url in (f"/media/{stored}", f"/{stored}", f"/static/{stored}", f"/admin/{stored}"):
        with pytest.raises(Resolver404):
            resolve(url) if not url.startswith("/admin/") else _admin_catch_all(url)
        assert client.get(url).status_code == 404


def _admin_catch_all(url: str) -> None:
    # The admin ends with a catch-all that answers 404 for unknown paths (or a login redirect).
    match = resolve(url)
    if match.url_name is None and match.func.__name__ == "catch_all_view":
        raise Resolver404(url)
