"""What the benches' fillers share: the bench user and payee, an organization with a valid INN,
its houses and accounts in bulk, and a receipt of a batch with its import id.

Each bench keeps its own numbers, names and amounts; these write the rows the same way for all.
"""

from __future__ import annotations

from collections.abc import Callable

CHUNK = 5_000
_TIN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)


def bench_user(username: str = "bench"):
    """A superuser (get or create): the author, submitter and approver of the benches' batches."""
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(
        username=username, defaults={"is_superuser": True, "is_staff": True}
    )
    return user


def bench_recipient(name: str = ""):
    """The payee of every bench receipt (get or create), with requisites whose check digits hold."""
    from billing.models import Recipient

    recipient, _ = Recipient.objects.get_or_create(
        tin="7701234564", bic="044525225", bank_account="40702810938000012345", defaults={"name": name}
    )
    return recipient


def organization_create(*, seed: int, name: str, context_id: str = ""):
    """An organization whose INN is the nine digits of `seed` and their check digit; Condo context ctx-<seed>
    unless `context_id` is given."""
    from billing.models import Organization

    digits = [int(d) for d in f"{seed:09d}"]
    check = sum(d * w for d, w in zip(digits, _TIN10_WEIGHTS)) % 11 % 10
    return Organization.objects.create(
        name=name, tin="".join(map(str, digits)) + str(check), condo_context_id=context_id or f"ctx-{seed}"
    )


def accounts_create(
    organization, count: int, *, address: str, number: Callable[[int], str], full_name: Callable[[int], str]
) -> list:
    """`count` accounts, a hundred to a house (one house at least), `CHUNK` rows an INSERT; returns the houses.

    `address` is a house's, with `{house}` for its number from 1. Account n is `number(n)` of
    `full_name(n)`, in flat n % 100 + 1 of house n % houses.
    """
    from billing.models import Account, Property

    houses = Property.objects.bulk_create(
        Property(organization=organization, address=address.format(house=n + 1)) for n in range(max(count // 100, 1))
    )
    for start in range(0, count, CHUNK):
        Account.objects.bulk_create(
            Account(
                organization=organization,
                property=houses[n % len(houses)],
                number=number(n),
                unit_name=str(n % 100 + 1),
                full_name=full_name(n),
            )
            for n in range(start, min(start + CHUNK, count))
        )
    return houses


def receipt(batch, *, account_id: int, number: str, recipient, **fields):
    """An unsaved housing receipt of `batch` for account `number`, with the import id an import would give it."""
    from billing.models import Receipt, receipt_import_id

    organization, period = batch.organization, batch.period
    import_id = receipt_import_id(
        organization_tin=organization.tin, period=period, account_number=number, category="housing"
    )
    return Receipt(
        batch=batch,
        organization=organization,
        account_id=account_id,
        period=period,
        recipient=recipient,
        import_id=import_id,
        **fields,
    )


def receipts_create(batch, *, recipient, fields: Callable[[int, str], dict]) -> None:
    """A receipt of `batch` for every account of its organization, in the accounts' order, `CHUNK` rows an INSERT.

    Account n's receipt (its number `number`) gets `fields(n, number)`: its amounts, state and the rest.
    """
    from billing.models import Account, Receipt

    accounts = Account.objects.filter(organization=batch.organization).order_by("pk").values_list("pk", "number")
    rows = []
    for n, (account_id, number) in enumerate(accounts.iterator(chunk_size=CHUNK)):
        rows.append(receipt(batch, account_id=account_id, number=number, recipient=recipient, **fields(n, number)))
        if len(rows) == CHUNK:
            Receipt.objects.bulk_create(rows)
            rows = []
    Receipt.objects.bulk_create(rows)
