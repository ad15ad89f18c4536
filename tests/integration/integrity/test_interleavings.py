"""Random interleavings of the month's work end with Condo holding exactly the last approved batches.

A seeded, property-style walk: two organizations, two months each, and in random order imports,
submissions, approvals, publishing under random faults, workers dying mid-batch, the retry
schedule and people pressing «Опубликовать снова». Whatever the order, once the dust settles
Condo holds, for each organization and month, exactly the documents of the last approved batch,
and each of those batches reconciles with Condo. A second test drives the sandbox's hard fault
mix and checks that no run of the publisher ever loses accepted receipts.
"""

from __future__ import annotations

import contextlib
import itertools
import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.errors import ApplicationError
from billing.models import Batch, Receipt
from billing.roles import ACCOUNTANT, APPROVER
from billing.services.batches import batch_approve, batch_reject, batch_submit
from integration.publishing.lease import lease_claim
from integration.publishing.publisher import batch_publish
from integration.publishing.reconciliation import batch_reconcile
from integration.publishing.retry import batch_publish_again
from integration.publishing.withdrawal import batch_supersede
from integration.sandbox.faults import FaultConfig
from integration.tasks import requeue_expired_leases, retry_failed_batches
from tests.factories import OrganizationFactory, UserFactory
from tests.integration.publishing.builders import batch_with_receipts

Status = Batch.Status
pytestmark = pytest.mark.django_db
MONTHS = (date(2026, 9, 1), date(2026, 10, 1))
CONTEXTS = ("c0ffee00-0000-4000-8000-000000000001", "c0ffee00-0000-4000-8000-000000000002")
FAULTS = (
    lambda: FaultConfig(),
    lambda: FaultConfig(error_every_nth=2),
    lambda: FaultConfig(drop_after_store=1),
    lambda: FaultConfig(rate_limit_calls=1, rate_limit_status=429, rate_limit_reset_seconds=0.01),
)


@pytest.fixture
def small_calls(settings):
    settings.CONDO_CHUNK_SIZE, settings.CONDO_MAX_ATTEMPTS, settings.PUBLISH_READ_SIZE = 4, 1, 10
    settings.CONDO_BREAKER_THRESHOLD = 1000


class World:
    def __init__(self, rng: random.Random, sandbox) -> None:
        self.rng, self.sandbox = rng, sandbox
        self.accountants = [UserFactory(username=f"acc-{n}", role=ACCOUNTANT) for n in range(2)]
        self.approvers = [UserFactory(username=f"app-{n}", role=APPROVER) for n in range(2)]
        self.organizations = []
        for context in CONTEXTS:
            sandbox.add_context(context)
            self.organizations.append(OrganizationFactory(condo_context_id=context))

    def batches(self, *statuses: str) -> list[Batch]:
        return list(Batch.objects.filter(status__in=statuses).order_by("pk"))

    def pick(self, *statuses: str) -> Batch | None:
        found = self.batches(*statuses)
        return self.rng.choice(found) if found else None

    # --- the steps ---------------------------------------------------------------------------

    def import_(self) -> None:
        """A registry of a random organization and month, with a random subset of its accounts."""
        organization, period = self.rng.choice(self.organizations), self.rng.choice(MONTHS)
        accounts = sorted(self.rng.sample(range(12), self.rng.randint(3, 8)))
        batch = batch_with_receipts(
            receipts=len(accounts),
            organization=organization,
            status=Status.DRAFT,
            period=period,
            accounts=accounts,
            amounts={i: Decimal(self.rng.randint(1, 99999)) / 100 for i in range(len(accounts))},
        )
        Batch.objects.filter(pk=batch.pk).update(created_by=self.rng.choice(self.accountants), submitted_at=None)

    def submit(self) -> None:
        batch = self.pick(Status.DRAFT)
        if batch:
            batch_submit(batch=batch, by=self.rng.choice(self.accountants))

    def approve(self) -> None:
        batch = self.pick(Status.SUBMITTED)
        if batch is None:
            return
        approver = self.rng.choice(self.approvers)
        try:
            batch_approve(batch=batch, by=approver)
        except ApplicationError:  # a newer batch of the month was approved first: this one is stale
            batch_reject(batch=Batch.objects.get(pk=batch.pk), by=approver, reason="Устарел")

    def publish(self) -> None:
        batch = self.pick(Status.APPROVED, Status.FAILED, Status.PUBLISHING)
        if batch:
            self.sandbox.faults = self.rng.choice(FAULTS)()
            batch_publish(batch_id=batch.pk)
            self.sandbox.faults = FaultConfig()

    def crash(self) -> None:
        """A worker takes a batch and dies at once: its lease expires with the batch publishing."""
        batch = self.pick(Status.APPROVED, Status.FAILED)
        if batch and lease_claim(batch_id=batch.pk, owner="worker-that-died"):
            Batch.objects.filter(pk=batch.pk).update(lease_until=timezone.now() - timedelta(seconds=1))

    def retry(self) -> None:
        Batch.objects.filter(status=Status.FAILED).update(next_retry_at=timezone.now())
        retry_failed_batches()
        requeue_expired_leases()

    def press_publish_again(self) -> None:
        batch = self.pick(Status.FAILED)
        if batch:
            with contextlib.suppress(ApplicationError):  # refused: its month was taken over
                batch_publish_again(batch=batch, by=self.rng.choice(self.approvers), enqueue=False)

    # --- settling ------------------------------------------------------------------------------

    def settle(self) -> None:
        """Faults gone, the schedules run until nothing moves, approvers confirm replacements."""
        self.sandbox.faults = FaultConfig()
        Batch.objects.filter(lease_until__isnull=False).update(lease_until=timezone.now() - timedelta(seconds=1))
        for _ in range(10):
            self.retry()
            for batch in self.batches(Status.APPROVED, Status.FAILED, Status.PUBLISHING):
                batch_publish(batch_id=batch.pk)
        for batch in self.batches(Status.PUBLISHED, Status.PARTIALLY_PUBLISHED):
            newer = self.latest_approved(batch.organization_id, batch.period)
            if newer.pk != batch.pk and newer.status in (Status.PUBLISHED, Status.PARTIALLY_PUBLISHED):
                batch_supersede(old=batch, new=newer, by=self.approvers[0], reason="Заменён исправленным")

    def latest_approved(self, organization_id: int, period: date) -> Batch | None:
        return (
            Batch.objects.filter(organization_id=organization_id, period=period, approved_at__isnull=False)
            .order_by("-pk")
            .first()
        )


@pytest.mark.parametrize("seed", range(6))
def test_any_interleaving_ends_with_condo_holding_the_last_approved_batches(condo_sandbox, small_calls, seed):
    rng = random.Random(seed)
    world = World(rng, condo_sandbox)
    steps = [
        world.import_,
        world.submit,
        world.approve,
        world.publish,
        world.crash,
        world.retry,
        world.press_publish_again,
    ]
    weights = [3, 3, 3, 4, 1, 1, 1]
    for _ in range(40):
        rng.choices(steps, weights)[0]()
    world.settle()

    for organization in world.organizations:
        held = condo_sandbox.receipts(organization.condo_context_id, include_deleted=False)
        for period in MONTHS:
            month = {r["importId"]: Decimal(r["toPay"]) for r in held if f":{period:%Y-%m}:" in r["importId"]}
            last = world.latest_approved(organization.pk, period)
            expected = (
                {} if last is None else dict(Receipt.objects.filter(batch=last).values_list("import_id", "to_pay"))
            )
            assert month == expected, f"seed {seed}: {period:%m.%Y} holds other documents than batch {last and last.pk}"
            if last is not None:
                assert Batch.objects.get(pk=last.pk).status == Status.PUBLISHED
                assert batch_reconcile(batch=last).is_consistent
            # No batch but the last approved one of the month is still on its way to Condo.
            assert (
                not Batch.objects.filter(
                    organization=organization, period=period, status__in=(Status.APPROVED, Status.PUBLISHING)
                )
                .exclude(pk=getattr(last, "pk", None))
                .exists()
            )


def test_under_the_hard_fault_mix_no_run_ever_loses_accepted_receipts(condo_sandbox, settings):
    settings.CONDO_MAX_ATTEMPTS, settings.CONDO_BREAKER_THRESHOLD = 1, 1000
    settings.CONDO_READ_TIMEOUT, settings.CONDO_CHUNK_SIZE = 0.5, 100
    batch = batch_with_receipts(receipts=1500)
    condo_sandbox.faults = FaultConfig(
        error_every_nth=3,
        drop_after_store=3,
        rate_limit_calls=2,
        rate_limit_status=400,
        rate_limit_reset_seconds=0.01,
        token_ttl_seconds=0.5,
    )

    accepted, runs = [0], 0
    while Batch.objects.get(pk=batch.pk).status != Status.PUBLISHED and runs < 30:
        batch_publish(batch_id=batch.pk)
        runs += 1
        accepted.append(Batch.objects.get(pk=batch.pk).accepted_count)

    assert Batch.objects.get(pk=batch.pk).status == Status.PUBLISHED, accepted
    assert all(after >= before for before, after in itertools.pairwise(accepted)), accepted
    every = condo_sandbox.receipts(batch.organization.condo_context_id, include_deleted=True)
    assert len(every) == len({r["importId"] for r in every}) == 1500
    assert Receipt.objects.filter(batch=batch, publish_state="accepted").count() == 1500
    print(f"hard fault mix: published in {runs} runs; accepted after each run: {accepted}")
