"""factory-boy factories for every model; traits give batches in each workflow state."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from billing.models import Batch, BatchCheck, Receipt, receipt_import_id
from billing.roles import ACCOUNTANT, roles_sync


def _valid_tin(seed: int) -> str:
    digits = [int(d) for d in f"{seed % 10**9:09d}"]
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    check = sum(d * w for d, w in zip(digits, weights)) % 11 % 10
    return "".join(map(str, digits)) + str(check)


class UserFactory(factory.django.DjangoModelFactory):
    """`UserFactory(role=ACCOUNTANT)` puts the user in that role's group."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "password")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        self.save()
        if create and extracted:
            if not Group.objects.filter(name=extracted).exists():
                # Transactional tests flush the groups the data migration made; put them back.
                roles_sync(group_model=Group, permission_model=Permission)
            self.groups.add(Group.objects.get(name=extracted))


class RecipientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "billing.Recipient"
        django_get_or_create = ("tin", "bic", "bank_account")

    name = "ООО «Расчётный центр»"
    tin = "7701234564"
    bic = "044525225"
    bank_account = "40702810938000012345"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "billing.Organization"
        django_get_or_create = ("tin",)

    name = factory.Sequence(lambda n: f"УК «Домострой-{n}»")
    tin = factory.Sequence(lambda n: _valid_tin(500_000_000 + n))
    condo_context_id = factory.Faker("uuid4")
    default_recipient = factory.SubFactory(RecipientFactory)


class PropertyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "billing.Property"

    organization = factory.SubFactory(OrganizationFactory)
    address = factory.Sequence(lambda n: f"г Москва, ул Тверская, д {n + 1}")


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "billing.Account"

    organization = factory.SubFactory(OrganizationFactory)
    property = factory.SubFactory(PropertyFactory, organization=factory.SelfAttribute("..organization"))
    number = factory.Sequence(lambda n: f"{n + 1:010d}")
    unit_name = factory.Sequence(lambda n: str(n % 200 + 1))
    full_name = "Иванов Иван Иванович"


class BatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "billing.Batch"

    organization = factory.SubFactory(OrganizationFactory)
    period = date(2026, 10, 1)
    created_by = factory.SubFactory(UserFactory, role=ACCOUNTANT)
    source_name = "реестр.xlsx"
    source_format = "desk_excel"

    class Params:
        submitted = factory.Trait(
            status=Batch.Status.SUBMITTED,
            submitted_by=factory.SelfAttribute("created_by"),
            submitted_at=factory.Faker("date_time", tzinfo=factory.Faker("pytimezone")),
        )


class ReceiptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "billing.Receipt"

    batch = factory.SubFactory(BatchFactory)
    organization = factory.SelfAttribute("batch.organization")
    account = factory.SubFactory(AccountFactory, organization=factory.SelfAttribute("..batch.organization"))
    period = factory.SelfAttribute("batch.period")
    recipient = factory.SubFactory(RecipientFactory)
    category = Receipt.Category.HOUSING
    import_id = factory.LazyAttribute(
        lambda r: receipt_import_id(
            organization_tin=r.organization.tin, period=r.period, account_number=r.account.number, category=r.category
        )
    )
    charge = Decimal("1500.40")
    penalty = Decimal("20.00")
    to_pay = Decimal("1520.40")
    # The receipt's own copy of its account, as an import writes it.
    account_number = factory.SelfAttribute("account.number")
    payer_name = factory.SelfAttribute("account.full_name")
    address = factory.SelfAttribute("account.property.address")
    house_global_id = factory.SelfAttribute("account.property.fias_id")
    unit_name = factory.SelfAttribute("account.unit_name")
    unit_type = factory.SelfAttribute("account.unit_type")
    owner_type = factory.SelfAttribute("account.owner_type")
    is_closed = factory.SelfAttribute("account.is_closed")
    els = factory.SelfAttribute("account.els")


class ServiceLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "billing.ServiceLine"

    receipt = factory.SubFactory(ReceiptFactory)
    service_id = factory.Sequence(lambda n: f"service-{n}")
    name = "Содержание жилого помещения"
    charge = Decimal("1500.40")
    to_pay = Decimal("1500.40")
    volume = Decimal("54.2")
    tariff = Decimal("27.68")
    measure = "м²"


class BatchTransitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "billing.BatchTransition"

    batch = factory.SubFactory(BatchFactory)
    source = Batch.Status.DRAFT
    target = Batch.Status.SUBMITTED
    actor = factory.SelfAttribute("batch.created_by")


class BatchCheckFactory(factory.django.DjangoModelFactory):
    """A check before approval the worker finished with nothing that blocks approval."""

    class Meta:
        model = "billing.BatchCheck"

    batch = factory.SubFactory(BatchFactory)
    status = BatchCheck.Status.DONE
    finished_at = factory.LazyFunction(timezone.now)


class CondoCallFactory(factory.django.DjangoModelFactory):
    """One call to Condo on the audit trail: a registerBillingReceipts that went through, unless told."""

    class Meta:
        model = "integration.CondoCall"

    batch = factory.SubFactory(BatchFactory)
    operation = "registerBillingReceipts"
    outcome = "ok"


class ReconciliationFactory(factory.django.DjangoModelFactory):
    """A reconciliation with Condo; consistent unless a count of differences is given."""

    class Meta:
        model = "integration.Reconciliation"

    batch = factory.SubFactory(BatchFactory)
    batch_receipts = 1
    condo_receipts = factory.SelfAttribute("batch_receipts")
    missing_in_condo = 0
    extra_in_condo = 0
    amount_differs = 0
    is_consistent = factory.LazyAttribute(lambda r: not (r.missing_in_condo or r.extra_in_condo or r.amount_differs))
    batch_total = Decimal("1520.40")
    condo_total = factory.SelfAttribute("batch_total")


def missing_in_condo(import_id: str, account: str, batch_to_pay: str) -> dict:
    """One difference of a reconciliation: a receipt of the batch that Condo does not hold."""
    return {
        "kind": "missing",
        "import_id": import_id,
        "account": account,
        "batch_to_pay": batch_to_pay,
        "condo_to_pay": None,
    }
