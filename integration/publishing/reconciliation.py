"""Compare what Condo holds for a batch's context and period with the batch, by importId."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction

from billing import enqueue
from billing.formatting import money_data
from billing.models import Batch, Receipt, ReceiptPdf
from billing.money import quantize_money
from billing.services.batch_guard import require_permission, require_status
from integration.condo import CondoClient
from integration.models import Reconciliation
from integration.publishing.recorder import CallRecorder

RECONCILABLE = (
    Batch.Status.PUBLISHED,
    Batch.Status.PARTIALLY_PUBLISHED,
    Batch.Status.FAILED,
    Batch.Status.WITHDRAWN,
    Batch.Status.SUPERSEDED,
)

# The page shows differences, the export lists them all; the row keeps a bounded sample.
DIFFERENCES_KEPT = 5000


def batch_reconcile(*, batch: Batch, client: CondoClient | None = None) -> Reconciliation:
    """Ask Condo what it holds for the batch's context and period and store the comparison.

    Rejected receipts were never in Condo and are left out; withdrawn ones are expected to be
    missing and are reported as such, so a withdrawal shows up here. Files are counted too: a
    receipt whose PDF Condo confirmed but which holds no file there is a "file_missing" difference.
    """

    client = client or CondoClient.from_settings(on_call=CallRecorder(batch_id=batch.pk))
    ours: dict[str, tuple[str, Decimal]] = {
        import_id: (account, to_pay)
        for import_id, account, to_pay in Receipt.objects.filter(batch=batch)
        .exclude(publish_state=Receipt.PublishState.REJECTED)
        .values_list("import_id", "account__number", "to_pay")
        .iterator(chunk_size=5000)
    }
    # Receipts whose PDF Condo confirmed: each should show a file there.
    files_sent = set(
        ReceiptPdf.objects.filter(batch=batch, state=ReceiptPdf.State.SENT)
        .exclude(receipt__publish_state=Receipt.PublishState.WITHDRAWN)
        .values_list("receipt__import_id", flat=True)
        .iterator(chunk_size=5000)
    )
    differences: list[dict] = []
    missing = extra = differs = condo_count = files_in_condo = files_missing = 0
    condo_total = Decimal("0")
    seen: set[str] = set()
    for condo in client.iter_receipts(batch.organization.condo_context_id, batch.period):
        condo_count += 1
        condo_total += condo.to_pay
        mine = ours.get(condo.import_id)
        if mine is None:
            extra += 1
            _keep(differences, "extra", condo.import_id, condo.account_number, None, condo.to_pay)
            continue
        seen.add(condo.import_id)
        files_in_condo += condo.has_file
        if condo.import_id in files_sent and not condo.has_file:
            files_missing += 1
            _keep(differences, "file_missing", condo.import_id, mine[0], mine[1], condo.to_pay)
        if quantize_money(condo.to_pay) != mine[1]:
            differs += 1
            _keep(differences, "amount", condo.import_id, mine[0], mine[1], condo.to_pay)
    for import_id, (account, to_pay) in ours.items():
        if import_id not in seen:
            missing += 1
            _keep(differences, "missing", import_id, account, to_pay, None)
    return Reconciliation.objects.create(
        batch=batch,
        is_consistent=not (missing or extra or differs or files_missing),
        batch_receipts=len(ours),
        condo_receipts=condo_count,
        missing_in_condo=missing,
        extra_in_condo=extra,
        amount_differs=differs,
        batch_total=sum((to_pay for _, to_pay in ours.values()), Decimal("0")),
        condo_total=quantize_money(condo_total),
        differences=differences,
        files_expected=len(files_sent),
        files_in_condo=files_in_condo,
    )


def _keep(
    differences: list[dict],
    kind: str,
    import_id: str,
    account: str,
    batch_to_pay: Decimal | None,
    condo_to_pay: Decimal | None,
) -> None:
    if len(differences) < DIFFERENCES_KEPT:
        differences.append(
            {
                "kind": kind,
                "import_id": import_id,
                "account": account,
                "batch_to_pay": None if batch_to_pay is None else money_data(batch_to_pay),
                "condo_to_pay": None if condo_to_pay is None else money_data(condo_to_pay),
            }
        )


def batch_reconcile_request(*, batch: Batch, by: User) -> None:
    """Anyone who may see the batch may ask for a fresh comparison; a worker does it."""
    require_status(batch, RECONCILABLE, "Сверять можно только пакет, который публиковался.")
    require_permission(by, "billing.view_batch", "У вашей роли нет права на это действие.")
    batch_id = batch.pk
    transaction.on_commit(lambda: enqueue.batch_reconcile(batch_id))
