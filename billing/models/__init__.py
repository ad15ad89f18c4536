from billing.models.audit import AuditTransition
from billing.models.batches import Batch, BatchTransition
from billing.models.checks import BatchCheck
from billing.models.exports import ReceiptsExport
from billing.models.figures import BatchFiguresRecord
from billing.models.imports import RegistryUpload, SberColumnMap, UploadReceipt
from billing.models.organizations import Account, Organization, Property, Recipient
from billing.models.pdfs import ReceiptPdf, ReceiptPdfUpload
from billing.models.receipts import Receipt, ServiceLine, receipt_import_id
from billing.models.seals import ApprovalSeal, ApprovedDocument

__all__ = [
    "Account",
    "ApprovalSeal",
    "ApprovedDocument",
    "AuditTransition",
    "Batch",
    "BatchCheck",
    "BatchFiguresRecord",
    "BatchTransition",
    "Organization",
    "Property",
    "Receipt",
    "ReceiptPdf",
    "ReceiptPdfUpload",
    "ReceiptsExport",
    "Recipient",
    "RegistryUpload",
    "SberColumnMap",
    "ServiceLine",
    "UploadReceipt",
    "receipt_import_id",
]
