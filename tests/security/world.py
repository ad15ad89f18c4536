"""One small installation with an object of every kind the admin shows, and a way to see if it changed.

The role matrix visits every admin page against these objects; `snapshot()` is what a refused
request must leave exactly as it found it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone

from billing.models import (
    Account,
    Batch,
    BatchCheck,
    BatchTransition,
    Organization,
    Property,
    Receipt,
    ReceiptPdf,
    ReceiptsExport,
    Recipient,
    RegistryUpload,
    SberColumnMap,
)
from billing.models.pdfs import receipt_pdf_path, receipt_pdf_storage
from billing.roles import ACCOUNTANT, APPROVER
from integration.models import CondoCall, Reconciliation
from tests.billing.pdfs.support import make_pdf
from tests.factories import (
    BatchFactory,
    BatchTransitionFactory,
    CondoCallFactory,
    OrganizationFactory,
    ReceiptFactory,
    ReconciliationFactory,
    UserFactory,
)

Status = Batch.Status
PERIOD = date(2026, 10, 1)
ROLES = ("anonymous", "staff", "accountant", "approver", "superuser")


@dataclass
class World:
    users: dict
    organization: Organization
    spare_organization: Organization  # nothing refers to it: a superuser may delete it
    recipient: Recipient
    spare_recipient: Recipient  # nothing refers to it either
    house: Property
    account: Account
    draft: Batch
    submitted: Batch
    published: Batch
    newer: Batch  # a later published batch of the same month: it may supersede `published`
    partial: Batch
    failed: Batch
    receipt: Receipt  # of `published`, with a PDF waiting to be sent
    pdf: ReceiptPdf
    transition: BatchTransition
    call: CondoCall
    reconciliation: Reconciliation
    upload: RegistryUpload  # the accountant's, checked and ready to confirm
    refused_upload: RegistryUpload
    column_map: SberColumnMap
    export: ReceiptsExport  # the accountant's, written and ready to download
    check: BatchCheck  # of `submitted`: done, nothing blocks approval, its workbook stored

    def user(self, role: str):
        return self.users.get(role)


def build_world(*, media_root: Path) -> World:
    users = {
        "staff": UserFactory(username="staff-no-role"),
        "accountant": UserFactory(username="matrix-accountant", role=ACCOUNTANT),
        "approver": UserFactory(username="matrix-approver", role=APPROVER),
        "superuser": UserFactory(username="matrix-root", is_superuser=True),
    }
    accountant = users["accountant"]
    organization = OrganizationFactory(name="УК «Матрица»")
    spare = OrganizationFactory(name="УК «Запасная»", default_recipient=None)
    recipient = organization.default_recipient

    def batch(status: str, **extra) -> Batch:
        made = BatchFactory(organization=organization, period=PERIOD, created_by=accountant, status=status, **extra)
        ReceiptFactory(batch=made)
        Batch.objects.filter(pk=made.pk).update(receipts_count=1, accounts_count=1, total_to_pay=Decimal("1520.40"))
        made.refresh_from_db()
        return made

    draft = batch(Status.DRAFT)
    submitted = batch(Status.SUBMITTED, submitted_by=accountant, submitted_at=timezone.now())
    published = batch(Status.PUBLISHED, submitted_by=accountant, approved_by=users["approver"])
    Batch.objects.filter(pk=published.pk).update(accepted_count=1, created_at=timezone.now() - timedelta(days=2))
    newer = batch(Status.PUBLISHED, submitted_by=accountant, approved_by=users["approver"])
    Batch.objects.filter(pk=newer.pk).update(accepted_count=1)
    partial = batch(Status.PARTIALLY_PUBLISHED)
    Receipt.objects.filter(batch=partial).update(publish_state=Receipt.PublishState.REJECTED, error_code="WRONG")
    Batch.objects.filter(pk=partial.pk).update(rejected_count=1)
    failed = batch(Status.FAILED)
    for made in (published, newer, partial, failed):
        made.refresh_from_db()
    # The newer batch corrects the same account: same importId, so the same receipt in Condo. Withdrawing
    # the older one then has nothing of its own to take out of Condo, and needs no Condo here.
    Receipt.objects.filter(batch__in=(published, newer)).update(
        publish_state=Receipt.PublishState.ACCEPTED, condo_id="condo-receipt-1"
    )

    receipt = Receipt.objects.select_related("account__property").get(batch=published)
    content = make_pdf("matrix")
    stored = receipt_pdf_storage().save(receipt_pdf_path(None, "x.pdf"), ContentFile(content))
    pdf = ReceiptPdf.objects.create(
        receipt=receipt,
        batch=published,
        file=stored,
        source_name="x.pdf",
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
    )

    registry = media_root / "registries"
    registry.mkdir(parents=True, exist_ok=True)
    (registry / "matrix-ready.xlsx").write_bytes(b"PK\x03\x04 stored registry")
    upload = RegistryUpload.objects.create(
        organization=organization,
        period=PERIOD,
        format_code="auto",
        file="registries/matrix-ready.xlsx",
        source_name="реестр.xlsx",
        file_size=24,
        uploaded_by=accountant,
        status=RegistryUpload.Status.READY,
        preview={"receipts": 1, "total_to_pay": "1520.40"},
    )
    refused = RegistryUpload.objects.create(
        organization=organization,
        period=PERIOD,
        format_code="auto",
        source_name="плохой.xlsx",
        file_size=10,
        uploaded_by=accountant,
        status=RegistryUpload.Status.REFUSED,
        errors_count=1,
        errors=[{"row": 2, "column": "Сумма", "value": "x", "message": "не число"}],
        errors_report=[{"row": 2, "column": "Сумма", "value": "x", "message": "не число"}],
    )
    exports = media_root / "exports"
    exports.mkdir(parents=True, exist_ok=True)
    (exports / "matrix.xlsx").write_bytes(b"PK\x03\x04 written export")
    export = ReceiptsExport.objects.create(
        batch_ids=[published.pk],
        filename="kvitancii.xlsx",
        file="exports/matrix.xlsx",
        rows=1,
        status=ReceiptsExport.Status.READY,
        requested_by=accountant,
    )
    checks = media_root / "checks"
    checks.mkdir(parents=True, exist_ok=True)
    (checks / "matrix.xlsx").write_bytes(b"PK\x03\x04 written check")
    check = BatchCheck.objects.create(
        batch=submitted,
        status=BatchCheck.Status.DONE,
        receipts_checked=1,
        finished_at=timezone.now(),
        report="checks/matrix.xlsx",
    )
    return World(
        users=users,
        organization=organization,
        spare_organization=spare,
        recipient=recipient,
        spare_recipient=Recipient.objects.create(
            name="ООО «Запасной получатель»", tin="7707083893", bic="044525225", bank_account="40702810000000099999"
        ),
        house=receipt.account.property,
        account=receipt.account,
        draft=draft,
        submitted=submitted,
        published=published,
        newer=newer,
        partial=partial,
        failed=failed,
        receipt=receipt,
        pdf=pdf,
        transition=BatchTransitionFactory(batch=draft, actor=accountant),
        call=CondoCallFactory(batch=published, receipts=1),
        reconciliation=ReconciliationFactory(batch=published, batch_total=Decimal("1520.40")),
        upload=upload,
        refused_upload=refused,
        column_map=SberColumnMap.objects.create(
            organization=organization, name="Шаблон 8_2", account_column=1, address_column=2, to_pay_column=3
        ),
        export=export,
        check=check,
    )


def snapshot(media_root: Path) -> dict:
    """Everything a request could change: states, counts, rows people edit, users, stored files."""
    return {
        "batches": list(
            Batch.objects.order_by("pk").values_list(
                "pk", "status", "accepted_count", "rejected_count", "withdrawn_count", "last_error"
            )
        ),
        "transitions": list(BatchTransition.objects.order_by("pk").values_list("pk", "target", "reason")),
        "checks": list(BatchCheck.objects.order_by("pk").values_list("pk", "status")),
        "receipts": list(Receipt.objects.order_by("pk").values_list("pk", "publish_state", "error_code")),
        "uploads": list(RegistryUpload.objects.order_by("pk").values_list("pk", "status", "file", "batch_id")),
        "pdfs": list(ReceiptPdf.objects.order_by("pk").values_list("pk", "sha256", "state")),
        "organizations": list(Organization.objects.order_by("pk").values()),
        "recipients": list(Recipient.objects.order_by("pk").values()),
        "column_maps": list(SberColumnMap.objects.order_by("pk").values()),
        "properties": list(Property.objects.order_by("pk").values()),
        "accounts": list(Account.objects.order_by("pk").values()),
        "reconciliations": list(Reconciliation.objects.order_by("pk").values_list("pk", flat=True)),
        "condo_calls": list(CondoCall.objects.order_by("pk").values_list("pk", flat=True)),
        "users": list(
            get_user_model().objects.order_by("pk").values_list("pk", "is_active", "is_superuser", "password")
        ),
        "files": sorted(str(path) for path in media_root.rglob("*") if path.is_file()),
    }
