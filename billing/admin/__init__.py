"""The review admin: importing the modules registers their ModelAdmins."""

from billing.admin import audit, batches, imports, organizations, receipts  # noqa: F401
