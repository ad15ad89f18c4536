"""The seven amounts of a receipt and of each of its service lines, declared once.

In the order they add up, as the registry's rows and the batch page's «Итоги по услугам» read:
долг на начало + начислено + перерасчёт − льготы + пени − оплачено = к оплате.
The importers, the selectors' sums and the publishing reader take their list from here; sums of
amounts (a batch's, a service's) are `Amounts` with what they count besides.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal


@dataclass(frozen=True)
class Amounts:
    balance: Decimal
    charge: Decimal
    recalculation: Decimal
    privilege: Decimal
    penalty: Decimal
    paid: Decimal
    to_pay: Decimal


AMOUNT_FIELDS: tuple[str, ...] = tuple(field.name for field in fields(Amounts))
