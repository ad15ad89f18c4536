"""Memory of the receipts export: a batch of 10,000 receipts against one of 100,000.

Each export runs in a fresh process, exactly as the admin runs it: rows streamed from the
database into a write-only workbook saved to a temporary file on disk, which is then read
out in blocks as FileResponse would send it. The parent reads each child's peak RSS
(ru_maxrss via wait4; the child's VmHWM alongside). Flat memory means the ratio of peak RSS
100k/10k stays near 1. An idle child (Django set up, nothing exported) shows what the
process costs before any export.

    python bench/export_receipts.py [--receipts 100000] [--baseline 10000] [--quick] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fill import accounts_create, bench_recipient, bench_user, organization_create, receipts_create
from bench.support import ROOT, prepare_database, setup_django

PERIOD = date(2026, 10, 1)


def fill_batch(receipts: int, label: str) -> int:
    """A published batch: 97 % accepted, 2 % rejected with a message, 1 % pending; returns its id."""
    from django.db.models import Sum
    from django.utils import timezone

    from billing.models import Batch, Organization, Receipt

    user, recipient = bench_user(), bench_recipient()
    seed = 610_000_000 + Organization.objects.count() + 1
    organization = organization_create(seed=seed, name=f"УК «{label}»")
    accounts_create(
        organization,
        receipts,
        address="г Москва, ул Выгрузочная, д {house}, корп 2",
        number="{:010d}".format,
        full_name="Кузнецова Анна Сергеевна {}".format,
    )
    published = timezone.now()
    batch = Batch.objects.create(
        organization=organization,
        period=PERIOD,
        created_by=user,
        status=Batch.Status.PARTIALLY_PUBLISHED,
        receipts_count=receipts,
        accounts_count=receipts,
        published_at=published,
    )

    def fields(n: int, number: str) -> dict:
        to_pay = Decimal(1_000 + n * 37 % 900_000) / 100
        state = "rejected" if n % 50 == 7 else "pending" if n % 100 == 3 else "accepted"
        return {
            "to_pay": to_pay,
            "charge": to_pay,
            "balance": Decimal("120.50"),
            "penalty": Decimal("3.07"),
            "paid": Decimal("500.00"),
            "publish_state": state,
            "condo_id": f"{seed:x}-{n:012d}" if state == "accepted" else "",
            "published_at": published if state == "accepted" else None,
            "error_code": "WRONG_AMOUNT" if state == "rejected" else "",
            "error_message": "Сумма к оплате не совпадает с суммой по услугам (toPay ≠ Σ services.toPay)"
            if state == "rejected"
            else "",
        }

    receipts_create(batch, recipient=recipient, fields=fields)
    total = Receipt.objects.filter(batch=batch).aggregate(total=Sum("to_pay"))["total"]
    Batch.objects.filter(pk=batch.pk).update(total_to_pay=total)
    return batch.pk


# --- the children: the fill, then one export each -------------------------------------------------
# The parent stays a small orchestrator: Linux carries a process's RSS high-water mark across
# fork and exec into the child's ru_maxrss, so children of a parent that had filled 100,000
# receipts itself would all report at least the parent's size.


def _environment() -> None:
    """What bench.support.setup_django sets, without setting Django up (the parent stays small)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-never-used-for-anything-else-0123456789")
    os.environ["SECURE_SSL_REDIRECT"] = "false"
    os.environ.setdefault("LOG_LEVEL", "WARNING")


def _django() -> None:
    _environment()
    import django

    django.setup()


def fill(sizes: list[int]) -> None:
    setup_django()
    started = time.perf_counter()
    batches = {size: fill_batch(size, f"Выгрузка {size}") for size in sizes}
    print(json.dumps({"batches": batches, "seconds": time.perf_counter() - started}), flush=True)


def export(batch_id: int) -> None:
    """One export as the admin view runs it; batch 0 only sets Django up (the idle figure)."""
    _django()
    from billing.exports.receipts import receipts_export
    from billing.exports.writer import export_to_tempfile
    from billing.models import Batch

    started = time.perf_counter()
    size = 0
    if batch_id:
        out = export_to_tempfile(receipts_export, batches=[Batch.objects.get(pk=batch_id)])
        while block := out.read(1 << 16):  # what FileResponse does with the file
            size += len(block)
        out.close()
    print(json.dumps({"seconds": time.perf_counter() - started, "bytes": size, "hwm_kib": _vm_hwm()}), flush=True)


def _vm_hwm() -> int | None:
    """This address space's own peak RSS (a cross-check of ru_maxrss), where /proc exists."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return None


def run(*arguments: str) -> tuple[dict, float]:
    """Run this script with `arguments` in a fresh interpreter: (its JSON line, its peak RSS in MiB)."""
    process = subprocess.Popen([sys.executable, __file__, *arguments], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(arguments)} failed with exit code {process.returncode}")
    return json.loads(output.strip().splitlines()[-1]), usage.ru_maxrss / 1024  # KiB on Linux


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--receipts", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="10,000 against 30,000 receipts")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--fill", type=int, nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--export", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.fill:
        fill(args.fill)
        return 0
    if args.export is not None:
        export(args.export)
        return 0
    large = 30_000 if args.quick else args.receipts
    _environment()
    where, cleanup = prepare_database("bench_export", keep=args.keep)
    print(f"database: {where}")
    try:
        filled, _ = run("--fill", str(args.baseline), str(large))
        print(f"filled {args.baseline:,} + {large:,} receipts in {filled['seconds']:.1f} s")
        idle = run("--export", "0")
        results = {int(size): run("--export", str(batch_id)) for size, batch_id in filled["batches"].items()}
    finally:
        cleanup()
    idle_mib = idle[1]
    print("\npeak RSS: ru_maxrss of each child (VmHWM in brackets); over idle: above a child that only sets up Django")
    print(f"{'export':<22} {'peak RSS, MiB':>20} {'over idle':>10} {'time, s':>8} {'xlsx, MiB':>10} {'rows/s':>8}")
    print(f"{'idle (Django only)':<22} {_peak(idle):>20}")
    for size, (figures, peak) in results.items():
        print(
            f"{f'{size:,} receipts':<22} {_peak((figures, peak)):>20} {peak - idle_mib:>10.1f} "
            f"{figures['seconds']:>8.1f} {figures['bytes'] / (1 << 20):>10.1f} {size / figures['seconds']:>8,.0f}"
        )
    (_, small), (_, big) = results[args.baseline], results[large]
    seconds = results[large][0]["seconds"] / results[args.baseline][0]["seconds"]
    print(
        f"\npeak RSS ratio {large // 1000}k/{args.baseline // 1000}k: {big / small:.2f} (flat memory: near 1); "
        f"{big - small:+.1f} MiB for {large - args.baseline:,} more receipts; "
        f"time ratio {seconds:.1f} for {large / args.baseline:.0f}x the rows"
    )
    return 0


def _peak(result: tuple[dict, float]) -> str:
    figures, peak = result
    hwm = figures.get("hwm_kib")
    return f"{peak:.1f}" + (f" ({hwm / 1024:.1f})" if hwm else "")


if __name__ == "__main__":
    sys.exit(main())
