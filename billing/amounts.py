"""The seven amounts of a receipt and of each of its service lines, declared once.

In the order they add up, as the registry's rows and the batch page's «Итоги по услугам» read:
долг на начало + начислено + перерасчёт − льготы + пени − оплачено = к оплате.
The importers, the selectors' sums and the publishing reader all take their list from here.
"""

from __future__ import annotations

AMOUNT_FIELDS = ("balance", "charge", "recalculation", "privilege", "penalty", "paid", "to_pay")
