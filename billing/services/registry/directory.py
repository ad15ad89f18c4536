"""The organization's directory brought up to a registry: recipients, houses and accounts, upserted in bulk."""

from __future__ import annotations

from django.db.models import Q

from billing.bulk import any_of, insert_rows
from billing.importers.drafts import AccountDraft
from billing.models import (
    Account,
    Organization,
    Property,
    Recipient,
)

CHUNK = 2000


ACCOUNT_FIELDS = (
    "organization",
    "number",
    "property",
    "unit_name",
    "unit_type",
    "full_name",
    "owner_type",
    "is_closed",
    "els",
)


def recipients_ensure(keys: set[tuple[str, str, str]]) -> dict[tuple[str, str, str], int]:
    condition = Q(pk__in=[])
    for tin, bic, bank_account in keys:
        condition |= Q(tin=tin, bic=bic, bank_account=bank_account)
    found = {(r.tin, r.bic, r.bank_account): r.pk for r in Recipient.objects.filter(condition)}
    missing = [Recipient(tin=t, bic=b, bank_account=a) for (t, b, a) in keys if (t, b, a) not in found]
    for recipient in Recipient.objects.bulk_create(missing):
        found[(recipient.tin, recipient.bic, recipient.bank_account)] = recipient.pk
    return found


def properties_ensure(directory: dict[str, AccountDraft], organization: Organization) -> dict[str, int]:
    wanted: dict[str, str] = {}
    for account in directory.values():
        if account.fias or account.address not in wanted:
            wanted[account.address] = account.fias or wanted.get(account.address, "")
    existing = {
        address: (pk, fias)
        for pk, address, fias in Property.objects.filter(
            any_of("address", wanted), organization=organization
        ).values_list("pk", "address", "fias_id")
    }
    created = Property.objects.bulk_create(
        [
            Property(organization=organization, address=address, fias_id=fias)
            for address, fias in wanted.items()
            if address not in existing
        ],
        batch_size=CHUNK,
    )
    ids = {address: pk for address, (pk, _) in existing.items()}
    ids.update({prop.address: prop.pk for prop in created})
    stale = [
        Property(pk=existing[address][0], fias_id=fias)
        for address, fias in wanted.items()
        if address in existing and fias and existing[address][1] != fias
    ]
    if stale:
        Property.objects.bulk_update(stale, ["fias_id"], batch_size=CHUNK)
    return ids


def accounts_ensure(
    directory: dict[str, AccountDraft], organization: Organization, properties: dict[str, int]
) -> dict[str, tuple[int, bool]]:
    """The organization's directory of accounts brought up to this registry: number → (id, is_closed).

    The directory is only the latest word on each account; receipts keep their own copy.
    """
    existing: dict[str, tuple[int, int, str, str, str, str, str, bool]] = {
        number: (pk, property_id, unit_name, unit_type, full_name, els, owner_type, is_closed)
        for number, pk, property_id, unit_name, unit_type, full_name, els, owner_type, is_closed in (
            Account.objects.filter(any_of("number", directory), organization=organization).values_list(
                "number", "pk", "property_id", "unit_name", "unit_type", "full_name", "els", "owner_type", "is_closed"
            )
        )
    }
    # New accounts go straight to rows: a model instance each (~10 µs) only to be unpacked again.
    new: list[tuple[int, str, int, str, str, str, str, bool, str]] = []
    changed: list[Account] = []
    ids: dict[str, tuple[int, bool]] = {}
    for number, draft in directory.items():
        property_id = properties[draft.address]
        current = existing.get(number)
        if current is None:
            new.append(
                (
                    organization.pk,
                    number,
                    property_id,
                    draft.unit_name,
                    str(draft.unit_type),
                    draft.full_name,
                    draft.owner_type,
                    False,
                    draft.els,
                )
            )
            continue
        pk, old_property, unit_name, unit_type, full_name, els, owner_type, is_closed = current
        ids[number] = (pk, is_closed)
        wanted = (
            property_id,
            draft.unit_name,
            draft.unit_type,
            draft.full_name or full_name,
            draft.els or els,
            draft.owner_type or owner_type,
        )
        if wanted != (old_property, unit_name, unit_type, full_name, els, owner_type):
            changed.append(
                Account(
                    pk=pk,
                    property_id=wanted[0],
                    unit_name=wanted[1],
                    unit_type=wanted[2],
                    full_name=wanted[3],
                    els=wanted[4],
                    owner_type=wanted[5],
                )
            )
    if new:
        insert_rows(Account, ACCOUNT_FIELDS, new)
        fresh = {row[1] for row in new}
        ids.update(
            (number, (pk, False))
            for number, pk in Account.objects.filter(any_of("number", fresh), organization=organization).values_list(
                "number", "pk"
            )
        )
    if changed:
        Account.objects.bulk_update(
            changed, ["property_id", "unit_name", "unit_type", "full_name", "els", "owner_type"], batch_size=CHUNK
        )
    return ids
