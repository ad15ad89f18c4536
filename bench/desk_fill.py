"""Filling the admin pages bench's database in bulk (bench/admin_pages.py): organizations, accounts, months.

Filler writes with bulk_create (SQLite, or any database); desk_fill_server.ServerFiller makes the
same rows on PostgreSQL with INSERT … SELECT.
"""

from __future__ import annotations

import random
import time
from datetime import date
from decimal import Decimal

from bench.fill import CHUNK, accounts_create, bench_recipient, bench_user, organization_create, receipt

FILLER_ACCOUNTS_PER_ORGANIZATION = 10_000
REVIEW_PERIOD = date(2026, 10, 1)


class Filler:
    def __init__(self, seed: int = 7) -> None:
        self.random = random.Random(seed)
        self.user = bench_user("bench-admin")
        self.recipient = bench_recipient("РЦ")
        self.organizations = 0

    def organization(self, name: str):
        self.organizations += 1
        # A fresh database: numbering from here is unique.
        return organization_create(seed=700_000_000 + self.organizations, name=name)

    def accounts(self, organization, count: int) -> list[tuple[int, str]]:
        from billing.models import Account

        surnames = ("Иванов", "Петров", "Сидоров", "Смирнов", "Кузнецов", "Попов", "Васильев", "Соколов")
        accounts_create(
            organization,
            count,
            address="г Москва, ул Бенчмарковая, д {house}",
            number=lambda n: f"{organization.pk:03d}{n:08d}",
            full_name=lambda n: f"{surnames[n % len(surnames)]} {n}",
        )
        return list(Account.objects.filter(organization=organization).order_by("id").values_list("id", "number"))

    def batch(
        self,
        organization,
        period: date,
        status: str,
        accounts: list[tuple[int, str]],
        *,
        services: int = 0,
        moved_share: float = 0.0,
        base: dict[int, Decimal] | None = None,
        base_batch=None,
    ) -> tuple[object, dict[int, Decimal]]:
        from billing.models import Batch, Receipt, ServiceLine

        batch = Batch.objects.create(
            organization=organization, period=period, status=status, created_by=self.user, source_name="bench.xlsx"
        )
        amounts: dict[int, Decimal] = {}
        for start in range(0, len(accounts), CHUNK):
            rows = []
            for account_id, number in accounts[start : start + CHUNK]:
                amount = (base or {}).get(account_id) or Decimal(self.random.randint(50_000, 500_000)) / 100
                roll = self.random.random()
                if roll < moved_share:
                    amount = amount * 2
                elif roll < moved_share + 0.001:
                    amount = Decimal("0.00")
                amounts[account_id] = amount
                rows.append(
                    receipt(
                        batch,
                        account_id=account_id,
                        number=number,
                        recipient=self.recipient,
                        to_pay=amount,
                        charge=amount,
                        publish_state="accepted" if status == "published" else "pending",
                        condo_id=f"c-{account_id}-{period:%Y%m}" if status == "published" else "",
                    )
                )
            created = Receipt.objects.bulk_create(rows)
            if services:
                ServiceLine.objects.bulk_create(
                    ServiceLine(
                        receipt_id=receipt.pk,
                        service_id=f"svc-{n}",
                        name=f"Услуга {n}",
                        to_pay=(receipt.to_pay / services).quantize(Decimal("0.01")),
                        charge=receipt.to_pay,
                    )
                    for receipt in created
                    for n in range(services)
                )
        Batch.objects.filter(pk=batch.pk).update(
            receipts_count=len(accounts),
            accounts_count=len(accounts),
            service_lines_count=len(accounts) * services,
            total_to_pay=sum(amounts.values(), Decimal(0)),
            accepted_count=len(accounts) if status == "published" else 0,
        )
        batch.refresh_from_db()
        return batch, amounts

    def review_pair(self, size: int):
        """A published September and a submitted October: 1 % new, 1 % gone, 2 % moved, 0.1 % zero."""
        organization = self.organization(f"УК «Большая {size}»")
        accounts = self.accounts(organization, size + size // 100)
        september_batch, september = self.batch(
            organization, date(2026, 9, 1), "published", accounts[:size], services=3
        )
        october, _ = self.batch(
            organization,
            REVIEW_PERIOD,
            "submitted",
            accounts[size // 100 :],
            services=3,
            moved_share=0.02,
            base=september,
            base_batch=september_batch,
        )
        return october

    def filler(self, receipts: int) -> None:
        """Published months of other organizations, without service lines (no page reads them)."""
        while receipts > 0:
            count = min(FILLER_ACCOUNTS_PER_ORGANIZATION, receipts)
            organization = self.organization(f"УК «Соседняя {self.organizations}»")
            accounts = self.accounts(organization, count)
            for month in range(12, 0, -1):
                if receipts <= 0:
                    break
                chunk = accounts[: min(count, receipts)]
                self.batch(organization, date(2025, month, 1), "published", chunk)
                receipts -= len(chunk)


def fill(filler: Filler, *, add_receipts: int, batch_size: int):
    """Add a batch under review of `batch_size` (with last month's) and published months up to `add_receipts`."""
    from django.db import connection

    from billing.selectors.review import batch_figures_warm

    started = time.perf_counter()
    batch = filler.review_pair(batch_size)
    filler.filler(max(add_receipts - 2 * batch_size, 0))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # what autovacuum does after a month's import (inserts count)
    filled = time.perf_counter() - started
    started = time.perf_counter()
    batch_figures_warm(batch=batch)  # as the import does when it writes the batch
    return batch, filled, time.perf_counter() - started
