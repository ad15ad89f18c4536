"""The check before approval at scale: memory and time for a month of receipts.

(1) Condo holds nothing for the context: every account is new, so every one is a finding that
    goes to the workbook (the worst case for findings).
(2) Condo holds every account (the batch was published): Condo's accounts are paged through
    (1,000 calls of 100) and compared one by one.
Peak Python memory of the check (tracemalloc) is printed for each; it should stay flat as the
batch grows except for one small tuple per account number.

    python bench/check_batch.py [--receipts 100000] [--quick] [--keep] [--only-empty]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support import SandboxProcess, prepare_database, setup_django

CONTEXT = "5c3f6a0e-2b1d-4e8f-9a7c-0d1e2f3a4b5c"


def measure(batch, label: str) -> None:
    """Once for the time, once more under tracemalloc (which slows Python down) for the peak."""
    from billing.services.checks import batch_check_request
    from integration.checking.run import batch_check_run

    started = time.perf_counter()
    done = batch_check_run(check_id=batch_check_request(batch=batch, by=None).pk).check
    seconds = time.perf_counter() - started
    tracemalloc.start()
    batch_check_run(check_id=batch_check_request(batch=batch, by=None).pk)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"{label}: {done.receipts_checked} receipts in {seconds:.1f} s, peak {peak / 2**20:.1f} MiB; "
        f"condo accounts {done.condo_accounts}, new {done.accounts_new}, changed {done.accounts_changed}, "
        f"problems {done.problems_count}, workbook {done.report.size / 2**20:.1f} MiB"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--receipts", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="10,000 receipts (run_all.py --quick)")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--only-empty", action="store_true", help="Skip (2): publishing the batch takes a while.")
    options = parser.parse_args(argv)
    if options.quick:
        options.receipts = 10_000
    where, cleanup = prepare_database("bench_check", keep=options.keep)
    sandbox = SandboxProcess(contexts=[CONTEXT])
    try:
        with tempfile.TemporaryDirectory() as media:
            setup_django(
                **sandbox.environment(),
                MEDIA_ROOT=media,
                CONDO_TOKEN_FILE_CACHE=f"{media}/tokens",
                CONDO_CHUNK_SIZE="100",
            )
            from bench.publish import fill_batch
            from billing.models import Batch
            from integration.publishing.publisher import batch_publish

            print(f"database: {where}")
            batch = fill_batch(receipts=options.receipts, context_id=CONTEXT, label="Проверка")
            Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.SUBMITTED)
            measure(Batch.objects.get(pk=batch.pk), "(1) empty Condo")
            if options.only_empty:
                return
            Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.APPROVED)
            batch_publish(batch_id=batch.pk)
            Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.SUBMITTED)
            measure(Batch.objects.get(pk=batch.pk), "(2) Condo holds every account")
    finally:
        sandbox.stop()
        cleanup()


if __name__ == "__main__":
    main()
