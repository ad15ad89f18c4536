"""Admin pages at scale: the receipt list and the page of a large batch with a million receipts.

Fills a separate database in bulk (never the development db.sqlite3): a temporary SQLite file,
or, when DATABASE_URL points to PostgreSQL, a uniquely named database `bench_desk_<pid>_<random>`
on that server that the script creates and drops (support.unique_database_name). First a baseline of 10,000 receipts is measured, then the database
grows to `--receipts` (default 1,000,000, one batch of a tenth of them, 100,000) and the same
pages are measured again. Server time is the time of the full request in the Django test
client (no network), as a superuser; the median of `--repeat` requests after one warm-up.

    python bench/admin_pages.py [--receipts N] [--quick] [--repeat 3] [--keep]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support import prepare_database, setup_django  # noqa: E402

BASELINE_RECEIPTS = 10_000
BENCH_DATABASE = "bench_desk"
CHUNK = 5_000
FILLER_ACCOUNTS_PER_ORGANIZATION = 10_000
REVIEW_PERIOD = date(2026, 10, 1)


def _close_connections() -> None:
    from django.conf import settings

    if settings.configured:
        from django.db import connections

        connections.close_all()


def _setup_django() -> None:
    setup_django()
    from django.test.utils import setup_test_environment

    setup_test_environment()  # lets the test client talk to "testserver"


# --- Filling in bulk -------------------------------------------------------------------------------


class Filler:
    def __init__(self, seed: int = 7) -> None:
        from django.contrib.auth import get_user_model

        from billing.models import Recipient

        self.random = random.Random(seed)
        self.user, _ = get_user_model().objects.get_or_create(
            username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
        )
        self.recipient, _ = Recipient.objects.get_or_create(
            tin="7701234564", bic="044525225", bank_account="40702810938000012345", defaults={"name": "РЦ"}
        )
        self.organizations = 0

    def organization(self, name: str):
        from billing.models import Organization

        self.organizations += 1
        seed = 700_000_000 + self.organizations  # a fresh database: numbering from here is unique
        digits = [int(d) for d in f"{seed:09d}"]
        check = sum(d * w for d, w in zip(digits, (2, 4, 10, 3, 5, 9, 4, 6, 8))) % 11 % 10
        return Organization.objects.create(
            name=name, tin="".join(map(str, digits)) + str(check), condo_context_id=f"ctx-{seed}"
        )

    def accounts(self, organization, count: int) -> list[int]:
        from billing.models import Account, Property

        Property.objects.bulk_create(
            Property(organization=organization, address=f"г Москва, ул Бенчмарковая, д {n + 1}")
            for n in range(max(count // 100, 1))
        )
        houses = list(Property.objects.filter(organization=organization).order_by("id"))
        surnames = ("Иванов", "Петров", "Сидоров", "Смирнов", "Кузнецов", "Попов", "Васильев", "Соколов")
        for start in range(0, count, CHUNK):
            Account.objects.bulk_create(
                Account(
                    organization=organization,
                    property=houses[n % len(houses)],
                    number=f"{organization.pk:03d}{n:08d}",
                    unit_name=str(n % 100 + 1),
                    full_name=f"{surnames[n % len(surnames)]} {n}",
                )
                for n in range(start, min(start + CHUNK, count))
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
    ) -> tuple[object, dict[int, Decimal]]:
        from billing.models import Batch, Receipt, ServiceLine, receipt_import_id

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
                    Receipt(
                        batch=batch,
                        organization=organization,
                        account_id=account_id,
                        period=period,
                        recipient=self.recipient,
                        import_id=receipt_import_id(
                            organization_tin=organization.tin, period=period, account_number=number, category="housing"
                        ),
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
        _, september = self.batch(organization, date(2026, 9, 1), "published", accounts[:size], services=3)
        october, _ = self.batch(
            organization,
            REVIEW_PERIOD,
            "submitted",
            accounts[size // 100 :],
            services=3,
            moved_share=0.02,
            base=september,
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
    started = time.perf_counter()
    batch = filler.review_pair(batch_size)
    filler.filler(max(add_receipts - 2 * batch_size, 0))
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # what autovacuum does after a month's import
    return batch, time.perf_counter() - started


# --- Measuring -------------------------------------------------------------------------------------


def pages(batch) -> list[tuple[str, str]]:
    from billing.models import Receipt

    receipt_list = "/admin/billing/receipt/"
    some = Receipt.objects.filter(batch=batch).select_related("account").order_by("id")[10]
    batch_page = f"/admin/billing/batch/{batch.pk}/change/"
    return [
        ("receipt list", receipt_list),
        (
            "receipt list: УК + период + состояние",
            f"{receipt_list}?organization__id__exact={batch.organization_id}"
            f"&period={REVIEW_PERIOD:%Y-%m-%d}&publish_state__exact=pending",
        ),
        ("receipt list: search account number", f"{receipt_list}?q={some.account.number}"),
        ("receipt list: search name prefix", f"{receipt_list}?q=Смирнов 1234"),
        ("receipt list: page 50", f"{receipt_list}?p=50"),
        # No receipt is rejected here: the worst case of a filter on an unindexed column.
        ("receipt list: state rejected (none)", f"{receipt_list}?publish_state__exact=rejected"),
        ("receipt list: an old month only", f"{receipt_list}?period=2025-01-01"),
        ("batch list", "/admin/billing/batch/"),
        ("batch page", batch_page),
        ("batch page: moved > threshold", f"{batch_page}?anomaly=moved"),
        ("batch page: new accounts", f"{batch_page}?anomaly=new"),
        ("batch page: last page", f"{batch_page}?page={max(batch.receipts_count // 50, 1)}"),
    ]


def measure(client, url: str, repeat: int) -> tuple[float, float, int]:
    """(first request ms, median of the next `repeat` ms, queries of the last one).

    The first request computes what the batch page caches (figures over all receipts).
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    started = time.perf_counter()
    response = client.get(url)
    first = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    timings, queries = [], 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            client.get(url)
            timings.append(time.perf_counter() - started)
        queries = len(captured)
    return first, statistics.median(timings) * 1000, queries


def run_pages(filler: Filler, batch, repeat: int) -> dict[str, tuple[float, float, int]]:
    from django.test import Client

    client = Client()
    client.force_login(filler.user)
    client.get("/admin/")  # the session and permission caches are not what is measured
    return {name: measure(client, url, repeat) for name, url in pages(batch)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--receipts", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100,000 receipts instead of 1,000,000.")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="Keep the bench database afterwards.")
    args = parser.parse_args(argv)
    total = 100_000 if args.quick else args.receipts
    if total < 2 * BASELINE_RECEIPTS:
        raise SystemExit(f"--receipts must be at least {2 * BASELINE_RECEIPTS}")

    description, cleanup = prepare_database(BENCH_DATABASE, keep=args.keep)
    try:
        _setup_django()
        from billing.models import Receipt

        print(f"admin pages bench on {description}")
        filler = Filler()
        base_batch, seconds = fill(filler, add_receipts=BASELINE_RECEIPTS, batch_size=BASELINE_RECEIPTS // 10)
        print(
            f"baseline: {Receipt.objects.count():,} receipts, batch of {base_batch.receipts_count:,} "
            f"(filled in {seconds:.1f} s)"
        )
        baseline = run_pages(filler, base_batch, args.repeat)

        big_batch, seconds = fill(filler, add_receipts=total - BASELINE_RECEIPTS, batch_size=total // 10)
        print(
            f"at scale: {Receipt.objects.count():,} receipts, batch of {big_batch.receipts_count:,} "
            f"(filled in {seconds:.1f} s)"
        )
        scaled = run_pages(filler, big_batch, args.repeat)

        base_n, scale_n = f"{BASELINE_RECEIPTS // 1000}k", f"{total // 1000}k"
        print(f"\nms: first request / median of {args.repeat} after it; q: queries; ratio: {scale_n} vs {base_n}")
        print(
            f"{'page':<40} {base_n + ' first':>11} {'median':>7} {'q':>3} {scale_n + ' first':>12} {'median':>7} "
            f"{'q':>3} {'ratio first':>11} {'median':>7}"
        )
        for name, (base_first, base_ms, base_q) in baseline.items():
            first, ms, q = scaled[name]
            print(
                f"{name:<40} {base_first:>11.1f} {base_ms:>7.1f} {base_q:>3} {first:>12.1f} {ms:>7.1f} {q:>3} "
                f"{first / base_first:>11.1f} {ms / base_ms:>7.1f}"
            )
    finally:
        cleanup()


if __name__ == "__main__":
    main()
