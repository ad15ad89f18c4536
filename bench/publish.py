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
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support import ROOT, SandboxProcess, cpu_seconds, prepare_database, setup_django

PERIOD = date(2026, 10, 1)
CHUNK = 100  # two-service receipts: about 150 fit under 512 KiB as Condo measures it


def fill_batch(*, receipts: int, context_id: str, label: str):
    """An approved batch of `receipts` receipts with two service lines each, written in bulk."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from billing.models import (
        Account,
        Batch,
        Organization,
        Property,
        Receipt,
        Recipient,
        ServiceLine,
        receipt_import_id,
    )
    from billing.services.seals import batch_seal

    user, _ = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_superuser": True, "is_staff": True}
    )
    recipient, _ = Recipient.objects.get_or_create(
        tin="7701234564", bic="044525225", bank_account="40702810938000012345"
    )
    seed = 600_000_000 + Organization.objects.count() + 1
    digits = [int(d) for d in f"{seed:09d}"]
    tin = "".join(map(str, digits)) + str(sum(d * w for d, w in zip(digits, (2, 4, 10, 3, 5, 9, 4, 6, 8))) % 11 % 10)
    organization = Organization.objects.create(name=f"УК «{label}»", tin=tin, condo_context_id=context_id)
    houses = Property.objects.bulk_create(
        Property(organization=organization, address=f"г Москва, ул Публикационная, д {n + 1}")
        for n in range(max(receipts // 100, 1))
    )
    Account.objects.bulk_create(
        (
            Account(
                organization=organization,
                property=houses[n % len(houses)],
                number=f"{n:010d}",
                unit_name=str(n % 100 + 1),
                full_name=f"Петров Пётр {n}",
            )
            for n in range(receipts)
        ),
        batch_size=5000,
    )
    batch = Batch.objects.create(
        organization=organization,
        period=PERIOD,
        created_by=user,
        submitted_at=timezone.now(),
        receipts_count=receipts,
        service_lines_count=2 * receipts,
        accounts_count=receipts,
    )
    accounts = Account.objects.filter(organization=organization).values_list("pk", "number").iterator(chunk_size=5000)
    rows = []
    for n, (account_id, number) in enumerate(accounts):
        to_pay = Decimal(1000 + n % 900) + Decimal("0.45")
        rows.append(
            Receipt(
                batch=batch,
                organization=organization,
                account_id=account_id,
                period=PERIOD,
                recipient=recipient,
                import_id=receipt_import_id(
                    organization_tin=tin, period=PERIOD, account_number=number, category="housing"
                ),
                to_pay=to_pay,
                charge=to_pay - Decimal("20.00"),
                penalty=Decimal("20.00"),
                account_number=number,
                payer_name=f"Петров Пётр {n}",
                address=houses[n % len(houses)].address,
                unit_name=str(n % 100 + 1),
            )
        )
    Receipt.objects.bulk_create(rows, batch_size=5000)
    lines = []
    for receipt_id, to_pay in Receipt.objects.filter(batch=batch).values_list("pk", "to_pay").iterator(chunk_size=5000):
        lines.append(
            ServiceLine(
                receipt_id=receipt_id,
                service_id="maintenance",
                name="Содержание жилого помещения",
                to_pay=to_pay - Decimal("320.00"),
                charge=to_pay - Decimal("340.00"),
                penalty=Decimal("20.00"),
                volume=Decimal("54.2"),
                tariff=Decimal("21.78"),
                measure="м²",
            )
        )
        lines.append(
            ServiceLine(
                receipt_id=receipt_id,
                service_id="cold-water",
                name="Холодное водоснабжение",
                to_pay=Decimal("320.00"),
                charge=Decimal("320.00"),
                volume=Decimal("3.5"),
                tariff=Decimal("91.43"),
                measure="м³",
            )
        )
    ServiceLine.objects.bulk_create(lines, batch_size=5000)
    # Approved as a person approves: with the fingerprint the publisher checks before it sends.
    batch_seal(batch=batch, by=user)
    Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.APPROVED, approved_by=user, approved_at=timezone.now())
    batch.refresh_from_db()
    return batch


def plain_loop(*, batch, sandbox: SandboxProcess, context_id: str) -> tuple[float, int]:
    """The baseline: rows already in memory, payload dicts built inline, posted with httpx."""
    import httpx

    from integration.publishing.rows import pending_receipts

    rows = [payload for _, payload in pending_receipts(batch_id=batch.pk, limit=10**9)]
    query = (ROOT / "integration/condo/operations/registerBillingReceipts.graphql").read_text()
    with httpx.Client(timeout=60) as http:
        login = http.post(
            sandbox.url,
            json={
                "query": "mutation($e: String, $p: String) { auth: authenticateUserWithPassword(email: $e, password: $p) { token } }",
                "variables": {"e": sandbox.environment()["CONDO_LOGIN"], "p": sandbox.environment()["CONDO_PASSWORD"]},
            },
        )
        headers = {"Authorization": f"Bearer {login.json()['data']['auth']['token']}"}
        started = cpu_seconds()
        accepted = 0
        for start in range(0, len(rows), CHUNK):
            receipts = [_plain_payload(r) for r in rows[start : start + CHUNK]]
            answer = http.post(
                sandbox.url,
                headers=headers,
                json={
                    "operationName": "registerBillingReceipts",
                    "query": query,
                    "variables": {
                        "data": {
                            "dv": 1,
                            "sender": {"dv": 1, "fingerprint": "bench-plain-loop"},
                            "context": {"id": context_id},
                            "receipts": receipts,
                        }
                    },
                },
            )
            body = answer.json()
            if "data" not in body:
                raise RuntimeError(f"the sandbox refused the plain loop's call: {body.get('errors')}")
            accepted += sum(1 for item in body["data"]["result"] if item)
        return cpu_seconds() - started, accepted


def _plain_payload(r) -> dict:
    money = lambda value: f"{value:.2f}"  # noqa: E731
    return {
        "importId": r.import_id,
        "address": r.address,
        "accountNumber": r.account_number,
        "addressMeta": {"unitName": r.unit_name, "unitType": r.unit_type},
        "accountMeta": {"fullName": r.full_name, **({"ownerType": r.owner_type} if r.owner_type else {})},
        "toPay": money(r.to_pay),
        "toPayDetails": {
            "formula": "charge + balance + recalculation - privilege + penalty - paid",
            "charge": money(r.charge),
            "balance": money(r.balance),
            "recalculation": money(r.recalculation),
            "privilege": money(r.privilege),
            "penalty": money(r.penalty),
            "paid": money(r.paid),
        },
        "services": [
            {
                "id": s.id,
                "name": s.name,
                "toPay": money(s.to_pay),
                "toPayDetails": {
                    "formula": "charge + penalty",
                    "charge": money(s.charge),
                    "balance": money(s.balance),
                    "recalculation": money(s.recalculation),
                    "privilege": money(s.privilege),
                    "penalty": money(s.penalty),
                    "paid": money(s.paid),
                    "volume": str(s.volume),
                    "tariff": str(s.tariff),
                    "measure": s.measure,
                },
            }
            for s in r.services
        ],
        "category": {"id": r.category_id},
        "month": r.period.month,
        "year": r.period.year,
        "tin": r.tin,
        "routingNumber": r.bic,
        "bankAccount": r.bank_account,
    }


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


def batch_reset(batch) -> None:
    """Make a published batch approved and pending again, to publish it once more (Condo updates by importId)."""
    from billing.models import Batch, Receipt

    Receipt.objects.filter(batch=batch).update(
        publish_state=Receipt.PublishState.PENDING, condo_id="", published_at=None
    )
    Batch.objects.filter(pk=batch.pk).update(
        status=Batch.Status.APPROVED,
        accepted_count=0,
        rejected_count=0,
        lease_owner="",
        lease_until=None,
        published_at=None,
    )


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
