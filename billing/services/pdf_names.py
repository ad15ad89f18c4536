"""The naming rule that ties a PDF in an archive to a receipt of the batch.

    <лицевой счёт>.pdf
    <лицевой счёт>_<ММГГГГ>.pdf                 for example 00012345_102026.pdf
    <лицевой счёт>[_<ММГГГГ>]_<категория>.pdf   when the account has several receipts in the batch

The folder inside the archive does not matter. The month, when given, must be the batch's. The
category is its Russian word in any case (жку / жкх, капремонт / капитальный_ремонт, электроэнергия /
электричество) or its code (housing, capital_repair, electricity); it is needed only when one
account has receipts of several categories in the batch. What the desk itself writes (hints, the
names of downloaded PDFs) uses the Russian word, so a downloaded file can be uploaded again as is. A whole file name that is itself an account number always wins, so an
account such as `123_456789` is never split.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from billing.models import Batch, Receipt

RULE = "«<лицевой счёт>.pdf» или «<лицевой счёт>_<ММГГГГ>.pdf» (например, 00012345_102026.pdf)"
# The word the desk writes for each category: the first of its Russian words.
CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    Receipt.Category.HOUSING: ("жку", "жкх", "housing"),
    Receipt.Category.CAPITAL_REPAIR: ("капремонт", "капитальный_ремонт", "кап_ремонт", "capital_repair"),
    Receipt.Category.ELECTRICITY: ("электроэнергия", "электричество", "electricity"),
}
_CATEGORY_WORDS = {word: category for category, words in CATEGORY_WORDS.items() for word in words}
_SUFFIXES = re.compile(
    r"^(?P<account>.+?)(?:_(?P<month>\d{2})(?P<year>\d{4}))?(?:_(?P<category>"
    + "|".join(re.escape(word) for word in sorted(_CATEGORY_WORDS, key=len, reverse=True))
    + r"))?$",
    re.IGNORECASE,
)


def category_word(category: str) -> str:
    """«капремонт» for `capital_repair`: the name part the desk writes and reads back."""
    return CATEGORY_WORDS[category][0]


def receipt_pdf_name(*, account_number: str, period: date, category: str) -> str:
    """The file name under which the desk offers a receipt's PDF; the naming rule reads it back."""
    return f"{account_number}_{period:%m%Y}_{category_word(category)}.pdf"


@dataclass(frozen=True)
class NameMatch:
    receipt_id: int | None = None
    refusal: str = ""  # why the name points at no single receipt of the batch (empty: unmatched)


class ReceiptIndex:
    """The batch's receipts by account number: one query, tuples only."""

    def __init__(self, batch: Batch) -> None:
        self.period: date = batch.period
        self._by_account: dict[str, list[tuple[int, str]]] = defaultdict(list)
        rows = Receipt.objects.filter(batch=batch).values_list("pk", "account__number", "category")
        for receipt_id, number, category in rows.iterator(chunk_size=5000):
            self._by_account[number].append((receipt_id, category))
        self._folded = {number.casefold(): number for number in self._by_account}

    def match(self, stem: str) -> NameMatch:
        stem = stem.strip()
        account = self._account(stem)
        if account is not None:
            return self._choose(account, category=None)
        parsed = _SUFFIXES.match(stem)
        if parsed is None:
            return NameMatch()
        account = self._account(parsed["account"])
        if account is None:
            return NameMatch()
        if parsed["month"]:
            month, year = int(parsed["month"]), int(parsed["year"])
            if (month, year) != (self.period.month, self.period.year):
                return NameMatch(
                    refusal=(
                        f"месяц в имени ({parsed['month']}.{parsed['year']}) не совпадает с периодом пакета "
                        f"({self.period:%m.%Y})"
                    )
                )
        category = _CATEGORY_WORDS.get(parsed["category"].casefold()) if parsed["category"] else None
        return self._choose(account, category=category)

    def _account(self, text: str) -> str | None:
        if text in self._by_account:
            return text
        return self._folded.get(text.casefold())

    def _choose(self, account: str, *, category: str | None) -> NameMatch:
        receipts = self._by_account[account]
        if category is not None:
            chosen = [receipt_id for receipt_id, kind in receipts if kind == category]
            return NameMatch(receipt_id=chosen[0]) if chosen else NameMatch()
        if len(receipts) == 1:
            return NameMatch(receipt_id=receipts[0][0])
        kinds = ", ".join(Receipt.Category(kind).label for _, kind in receipts)
        return NameMatch(
            refusal=(
                f"у лицевого счёта {account} в пакете несколько квитанций ({kinds}): добавьте в имя категорию, "
                f"например {account}_{self.period:%m%Y}_{category_word(receipts[0][1])}.pdf"
            )
        )
