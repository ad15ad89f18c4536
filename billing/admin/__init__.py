"""The review admin: importing the modules registers their ModelAdmins."""

from billing.admin import audit, batches, organizations, receipts, sber_column_maps  # noqa: F401
