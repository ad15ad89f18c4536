"""Publishing at scale, against the Condo sandbox running in a process of its own.

(1) Client-side CPU per 1,000 receipts of the real publisher (read receipts and service lines
    from the database, build payloads, send, store every outcome) against a plain httpx loop
    that builds the same payloads from the same rows already in memory and posts them.
    Target: the publisher costs at most 1.5x the plain loop, on PostgreSQL, the production
    database, whose work is done by its server. On SQLite the database engine runs inside the
    measured process, so its reading and writing count as client CPU too; the figure is
    printed all the same. Each side runs `--rounds` times, alternating (the batch is reset and
    published again: Condo updates it by importId), and the medians are compared. `--phases`
    adds one more round of the publisher with each phase timed.
(2) Four batches (one per organization) published by a real django-q2 cluster with 1 worker
    and then with 2 workers, against a sandbox that answers every call in 1 s.
    Target: 2 workers finish in about half the time of 1.

    python bench/publish.py [--receipts 100000] [--quick] [--rounds 3] [--phases] [--keep]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.publish_baseline import CHUNK, plain_loop
from bench.publish_fill import batch_reset, fill_batch
from bench.support import ROOT, SandboxProcess, cpu_seconds, prepare_database, setup_django


def publisher(*, batch) -> tuple[float, str]:
    from integration.publishing.publisher import batch_publish

    started = cpu_seconds()
    report = batch_publish(batch_id=batch.pk)
    return cpu_seconds() - started, report.summary


# Where the publisher's CPU goes: (label, module, attribute path) of the functions to time.
PHASES = (
    ("read receipts from the database", "integration.publishing.publisher", "pending_receipts"),
    ("write receipts' JSON", "integration.condo.register", "receipt_json"),
    ("HTTP (gql + httpx)", "integration.condo.transport", "CondoTransport.post"),
    ("store outcomes and call log", "integration.publishing.publisher", "outcomes_store"),
)


@contextlib.contextmanager
def phases_timed(totals: dict[str, float]):
    """Time the outermost call of each phase; everything else is "the rest"."""
    patched, active = [], [False]
    for label, module_name, path in PHASES:
        *parents, name = path.split(".")
        owner = importlib.import_module(module_name)
        for parent in parents:
            owner = getattr(owner, parent)
        original = getattr(owner, name)

        def timed(*args, __original=original, __label=label, **kwargs):
            if active[0]:
                return __original(*args, **kwargs)
            active[0], started = True, cpu_seconds()
            try:
                return __original(*args, **kwargs)
            finally:
                totals[__label] = totals.get(__label, 0.0) + cpu_seconds() - started
                active[0] = False

        setattr(owner, name, timed)
        patched.append((owner, name, original))
    try:
        yield totals
    finally:
        for owner, name, original in patched:
            setattr(owner, name, original)


def cpu_comparison(receipts: int, *, rounds: int, phases: bool) -> None:
    from statistics import median

    from django.conf import settings
    from django.db import connection

    sandbox = SandboxProcess(contexts=["ctx-plain", "ctx-publisher"])
    plain_runs: list[float] = []
    our_runs: list[float] = []
    totals: dict[str, float] = {}
    try:
        os.environ.update(sandbox.environment())
        settings.CONDO_API_URL, settings.CONDO_LOGIN, settings.CONDO_PASSWORD = (
            sandbox.url,
            sandbox.environment()["CONDO_LOGIN"],
            sandbox.environment()["CONDO_PASSWORD"],
        )
        settings.CONDO_CHUNK_SIZE = CHUNK
        settings.CONDO_TOKEN_CACHE = "default"
        print(f"filling 2 batches of {receipts:,} receipts …", flush=True)
        plain_batch = fill_batch(receipts=receipts, context_id="ctx-plain", label="Базовая линия")
        our_batch = fill_batch(receipts=receipts, context_id="ctx-publisher", label="Публикатор")
        # Rounds alternate the two, so a slower spell of the machine weighs on both alike.
        for round_number in range(rounds):
            cpu, plain_accepted = plain_loop(batch=plain_batch, sandbox=sandbox, context_id="ctx-plain")
            plain_runs.append(cpu)
            if round_number:
                batch_reset(our_batch)
            cpu, summary = publisher(batch=our_batch)
            our_runs.append(cpu)
        if phases:
            batch_reset(our_batch)
            with phases_timed(totals):
                phases_cpu, _ = publisher(batch=our_batch)
    finally:
        sandbox.stop()
    per_thousand = lambda cpu: cpu / receipts * 1000 * 1000  # noqa: E731  (ms per 1,000 receipts)
    runs = lambda cpus: ", ".join(f"{per_thousand(cpu):.1f}" for cpu in cpus)  # noqa: E731
    plain_cpu, ours_cpu = median(plain_runs), median(our_runs)
    print(
        f"plain httpx loop : {per_thousand(plain_cpu):6.1f} ms CPU per 1,000 receipts, median of {rounds} ({runs(plain_runs)}); "
        f"{plain_accepted:,} accepted"
    )
    print(
        f"publisher        : {per_thousand(ours_cpu):6.1f} ms CPU per 1,000 receipts, median of {rounds} ({runs(our_runs)}); "
        f"{summary}"
    )
    ratio = ours_cpu / plain_cpu
    if connection.vendor == "postgresql":
        verdict = "OK" if ratio <= 1.5 else "OVER TARGET"
    else:
        verdict = "(the target is judged on PostgreSQL: here the database engine's own CPU counts as the client's)"
    print(f"ratio publisher / plain loop: {ratio:.2f}x (target <= 1.5x) {verdict}")
    if totals:
        print(
            f"where the publisher's CPU goes, ms per 1,000 receipts (one more round, timed; {per_thousand(phases_cpu):.1f} in all):"
        )
        for label, _, _ in PHASES:
            print(f"  {label:34} {per_thousand(totals.get(label, 0.0)):6.1f}")
        print(f"  {'the rest':34} {per_thousand(phases_cpu - sum(totals.values())):6.1f}")


def parallel_batches(receipts_per_batch: int) -> None:
    from django.conf import settings
    from django_q.brokers import get_broker
    from django_q.tasks import async_task

    from billing.models import Batch

    durations = {}
    for workers in (1, 2):
        # Each publish above queued its reconciliation, against a sandbox that is gone by now:
        # left in the queue, they would hold up the workers measured here.
        get_broker().purge_queue()
        contexts = [f"ctx-parallel-{workers}-{n}" for n in range(4)]
        sandbox = SandboxProcess(contexts=contexts, latency=1.0)
        try:
            batches = [
                fill_batch(receipts=receipts_per_batch, context_id=c, label=f"Параллельная {workers}-{n}")
                for n, c in enumerate(contexts)
            ]
            env = {
                **os.environ,
                **sandbox.environment(),
                "Q_WORKERS": str(workers),
                "CONDO_CHUNK_SIZE": str(CHUNK),
                "Q_CLUSTER_NAME": settings.Q_CLUSTER["name"],
                "DEBUG": "true",
            }
            cluster = subprocess.Popen(
                [sys.executable, "manage.py", "qcluster"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(3)  # let the cluster's workers start before the clock does
            started = time.perf_counter()
            for batch in batches:
                async_task("integration.tasks.publish_batch", batch.pk)
            ids = [b.pk for b in batches]
            while Batch.objects.filter(pk__in=ids, status=Batch.Status.PUBLISHED).count() < len(ids):
                if time.perf_counter() - started > 600:
                    raise RuntimeError("the cluster did not publish the batches within 10 minutes")
                time.sleep(0.2)
            durations[workers] = time.perf_counter() - started
            cluster.send_signal(signal.SIGINT)
            cluster.wait(timeout=30)
        finally:
            sandbox.stop()
        print(
            f"4 batches x {receipts_per_batch} receipts, {workers} worker(s), sandbox 1 s per call: {durations[workers]:.1f} s"
        )
    print(f"ratio 2 workers / 1 worker: {durations[2] / durations[1]:.2f} (target about 0.5)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--receipts", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="10,000 receipts instead of 100,000")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each side; the medians are compared")
    parser.add_argument("--phases", action="store_true", help="one more round of the publisher with each phase timed")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args(argv)
    receipts = 10_000 if args.quick else args.receipts
    where, cleanup = prepare_database("bench_publish", keep=args.keep)
    print(f"database: {where}")
    try:
        setup_django(Q_CLUSTER_NAME=f"bench-publish-{os.getpid()}")
        cpu_comparison(receipts, rounds=max(1, args.rounds), phases=args.phases)
        parallel_batches(CHUNK * 3)
    finally:
        cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
