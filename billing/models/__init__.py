from billing.models.batches import Batch, BatchTransition
from billing.models.organizations import Account, Organization, Property, Recipient
from billing.models.receipts import Receipt, ServiceLine, receipt_import_id

__all__ = [
    "Account",
    "Batch",
    "BatchTransition",
    "Organization",
    "Property",
    "Receipt",
    "Recipient",
    "ServiceLine",
    "receipt_import_id",
]
