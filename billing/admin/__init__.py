"""The review admin: importing the modules registers their ModelAdmins."""

from billing.admin import batches, organizations, receipts  # noqa: F401
