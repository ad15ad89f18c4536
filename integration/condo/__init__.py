"""The Condo (DOMA.AI) GraphQL client. Only `transport` imports gql and httpx.

client = CondoClient.from_settings(on_call=callback)
outcomes = client.register_receipts(context_id, receipts)
"""

from integration.condo.client import CondoClient
from integration.condo.errors import CondoError
from integration.condo.payloads import CATEGORY_IDS
from integration.condo.records import (
    CallRecord,
    CondoAccount,
    CondoReceipt,
    ReceiptError,
    ReceiptIn,
    ReceiptOutcome,
    ServiceIn,
)

__all__ = [
    "CATEGORY_IDS",
    "CallRecord",
    "CondoAccount",
    "CondoClient",
    "CondoError",
    "CondoReceipt",
    "ReceiptError",
    "ReceiptIn",
    "ReceiptOutcome",
    "ServiceIn",
]
