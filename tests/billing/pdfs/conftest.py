from __future__ import annotations

import pytest

from billing.models import Batch
from tests.billing.pdfs.support import pdf_storage  # noqa: F401 - a fixture
from tests.integration.publishing.builders import batch_with_receipts


@pytest.fixture
def batch(db) -> Batch:
    """A draft batch of October 2026 with receipts for accounts 00000000, 00000001, 00000002."""
    return batch_with_receipts(receipts=3, status=Batch.Status.DRAFT)
