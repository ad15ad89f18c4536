"""The upload's preview as rows: every receipt of the checked file against last month, in flat memory.

The parse hands its receipts over in slices (`PreviewStage`, the sink of imports.registry_parse);
they are written as staged rows at once. Once the file is clean, `preview_compare` reads them
back in key order, merges them with the last published batch (selectors.anomalies) and writes
the preview's rows, each with its kind, in that order; the staged rows then go.
"""

from __future__ import annotations

from decimal import Decimal

from billing.bulk import insert_rows
from billing.importers.drafts import Slice
from billing.models import Organization, RegistryUpload, UploadReceipt
from billing.selectors.anomalies import RegistryAnomalies, in_key_order, registry_anomalies

STAGED_FIELDS = ("upload", "account", "category", "kind", "now", "where")
ROW_FIELDS = ("upload", "account", "category", "kind", "before", "now", "where")


class PreviewStage:
    """The sink of the preview's parse: each slice of checked receipts becomes staged rows."""

    def __init__(self, upload: RegistryUpload) -> None:
        self.upload_id = upload.pk

    def __call__(self, pending: Slice) -> None:
        insert_rows(
            UploadReceipt,
            STAGED_FIELDS,
            [
                (
                    self.upload_id,
                    receipt.account,
                    str(receipt.category),
                    UploadReceipt.STAGED,
                    receipt.amounts["to_pay"] if receipt.amounts else Decimal("0.00"),
                    (f"{account.address}, {account.unit_name}" if account.unit_name else account.address)[:600],
                )
                for receipt, account in pending
            ],
        )


def preview_compare(*, upload: RegistryUpload, organization: Organization) -> RegistryAnomalies:
    """The staged rows against the last published batch: the preview's rows and their anomalies."""
    staged = (
        UploadReceipt.objects.filter(upload=upload, kind=UploadReceipt.STAGED)
        .order_by(*in_key_order("account", "category"))
        .values_list("account", "category", "now", "where")
    )

    def write(rows: list[list]) -> None:
        insert_rows(UploadReceipt, ROW_FIELDS, [(upload.pk, *row) for row in rows])

    # A staged row always has its amount (`now` is NULL only on a vanished receipt's row).
    receipts = (
        (account, category, now or Decimal("0.00"), where)
        for account, category, now, where in staged.iterator(chunk_size=5000)
    )
    anomalies = registry_anomalies(organization=organization, period=upload.period, receipts=receipts, report=write)
    UploadReceipt.objects.filter(upload=upload, kind=UploadReceipt.STAGED).delete()
    return anomalies


def preview_discard(*, upload_id: int) -> None:
    """The preview's rows of an upload that will not become a batch, or whose parse starts again."""
    UploadReceipt.objects.filter(upload_id=upload_id).delete()
