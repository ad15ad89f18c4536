"""Parse: read and check every row of a registry file, handing its receipts on in slices.

The first step of both doors (registry/__init__.py): nothing here writes; the caller's sink does.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from decimal import Decimal
from functools import cache, partial
from pathlib import Path

from django.conf import settings
from django.db.models import Exists, OuterRef, Q

from billing.importers.base import ImportRefused, ParseContext, ParsedRow, RowError
from billing.importers.collect import SLICE, RegistryCollector
from billing.importers.drafts import ImportResult, Slice
from billing.importers.formats import resolve_parser
from billing.importers.regroup import grouped_by_account
from billing.importers.safety import Limits, inspect_file
from billing.importers.scan_slices import SliceRule
from billing.models import (
    Account,
    Organization,
    Receipt,
    Recipient,
    SberColumnMap,
)
from billing.services.registry.read_aside import ReadAside


def import_limits() -> Limits:
    return Limits(
        max_bytes=settings.IMPORT_MAX_FILE_BYTES,
        max_rows=settings.IMPORT_MAX_ROWS,
        max_uncompressed=getattr(settings, "IMPORT_MAX_UNCOMPRESSED_BYTES", 2 << 30),
        max_cells=getattr(settings, "IMPORT_CALAMINE_MAX_CELLS", 8_000_000),
    )


def first_of_month(value: date) -> date:
    return value.replace(day=1)


def custom_layouts(organization: Organization) -> list:
    return [
        column_map.layout() for column_map in SberColumnMap.objects.filter(organization=organization, is_active=True)
    ]


def _context(organization: Organization, period: date) -> ParseContext:
    recipient = organization.default_recipient
    return ParseContext(
        period=period,
        organization_tin=organization.tin,
        default_recipient=(recipient.tin, recipient.bic, recipient.bank_account) if recipient else None,
        tolerance=Decimal(str(getattr(settings, "IMPORT_TOTAL_TOLERANCE", "0.01"))),
        calamine_max_rows=getattr(settings, "IMPORT_CALAMINE_MAX_ROWS", 150_000),
        calamine_max_cells=getattr(settings, "IMPORT_CALAMINE_MAX_CELLS", 8_000_000),
        calamine_slice_rows=getattr(settings, "IMPORT_CALAMINE_SLICE_ROWS", 25_000),
        max_rows=settings.IMPORT_MAX_ROWS,
        accounts_by_els=lambda: _accounts_by_els(organization),
        recipients_by_account=cache(
            lambda: {account: (tin, bic) for account, (tin, bic, _) in known_recipients(organization).items()}
        ),
    )


def known_recipients(organization: Organization) -> dict[str, tuple[str, str, str]]:
    """{bank_account: (tin, bic, name)} of the recipients this organization's receipts went to, and its default.

    Condo keeps one BillingRecipient per bank account within an organization's billing context
    (CONTRACT.md 13.8), so these are the recipients a new registry must agree with. A recipient of
    another organization lives in another context there and is not compared.
    """
    used = Receipt.objects.filter(organization=organization, recipient=OuterRef("pk"))
    rows = Recipient.objects.filter(Q(Exists(used)) | Q(pk=organization.default_recipient_id)).order_by("pk")
    found: dict[str, tuple[str, str, str]] = {}
    for bank_account, tin, bic, name in rows.values_list("bank_account", "tin", "bic", "name"):
        found.setdefault(bank_account, (tin, bic, name))
    return found


def _bank_account_conflicts(organization: Organization, result: ImportResult) -> list[RowError]:
    """A bank account the registry gives another TIN or BIC than the recipient already holding it."""
    errors = []
    known = known_recipients(organization)
    for bank_account, (tin, bic, row) in result.bank_accounts.items():
        if row is None or bank_account not in known or known[bank_account][:2] == (tin, bic):
            continue
        known_tin, known_bic, name = known[bank_account]
        column, value = ("ИНН получателя", tin) if known_tin != tin else ("БИК", bic)
        errors.append(
            RowError(
                row,
                column,
                value,
                (
                    f"расчётный счёт {bank_account} уже принадлежит получателю «{name or known_tin}» (ИНН {known_tin}, "
                    f"БИК {known_bic}) из прошлых пакетов этой УК: у одного расчётного счёта один получатель. Исправьте "
                    "реквизиты в реестре или в карточке получателя"
                ),
            )
        )
    return errors


def _accounts_by_els(organization: Organization) -> dict[str, tuple[str, str, str, str]]:
    rows = (
        Account.objects.filter(organization=organization)
        .exclude(els="")
        .values_list("els", "number", "property__address", "unit_name", "full_name")
    )
    return {els: (number, address, unit, full_name) for els, number, address, unit, full_name in rows}


def registry_parse(
    *,
    organization: Organization,
    period: date,
    path: Path,
    source_name: str,
    format_code: str = "auto",
    progress: Callable[[int], None] | None = None,
    on_inspected: Callable[[int | None], None] | None = None,
    keep_drafts: bool = True,
    keep_totals: bool = False,
    sink: Callable[[Slice], None] | None = None,
    grouped: bool = False,
) -> ImportResult:
    """Read and check every row of a file; a refused file comes back with errors.

    With `keep_drafts=False` the receipts are not kept (memory stays flat whatever the file's
    size): they go to `sink` in slices as they are complete, and only the counts, totals and
    errors come back (plus each account's total with `keep_totals`). A file whose accounts
    stand apart comes back `scattered` when a sink was given (the caller undoes what the sink
    wrote and asks again with `grouped`); without one it is read again grouped on disk
    (regroup.py). Writes nothing itself.
    """
    read = partial(
        _parse,
        organization=organization,
        period=period,
        path=path,
        source_name=source_name,
        format_code=format_code,
        progress=progress,
        on_inspected=on_inspected,
        keep_drafts=keep_drafts,
        keep_totals=keep_totals,
    )
    with heap_frozen():
        result = read(sink=sink, grouped=grouped)
        if result.scattered and sink is None:
            result = read(sink=None, grouped=True)
    return result


@contextmanager
def heap_frozen() -> Iterator[None]:
    """The objects that exist before a read (Django, the app, a worker's state) are left out of
    the garbage collector's generations while it lasts (gc.freeze), then handed back.

    A month's read allocates millions of objects, which sets off full collections; each scanned
    the whole heap again: ~0.3 s of CPU of a 100,000-row import (5 %). Nothing is kept longer
    than before. A process that froze its heap itself (a pre-forking server) is left as it is.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _read(
    collector: RegistryCollector,
    rows: Iterator[ParsedRow | RowError],
    *,
    grouped: bool,
    progress: Callable[[int], None] | None,
) -> ImportResult:
    if grouped:
        # Progress (and the cancel it carries) is heard while the file is read onto disk.
        rows, progress = grouped_by_account(rows, progress=progress), None
    collector.feed(rows, progress=progress)
    return collector.finish()


def _parse(
    *,
    organization: Organization,
    period: date,
    path: Path,
    source_name: str,
    format_code: str,
    progress: Callable[[int], None] | None,
    on_inspected: Callable[[int | None], None] | None,
    keep_drafts: bool,
    keep_totals: bool,
    sink: Callable[[Slice], None] | None,
    grouped: bool = False,
) -> ImportResult:
    period = first_of_month(period)
    context = _context(organization, period)
    collector = None
    source = None
    try:
        # The scan cuts the first sheet's slices for this read (scan_slices.py); `finally` deletes them.
        rule = SliceRule(context.calamine_slice_rows, context.calamine_max_rows, context.calamine_max_cells)
        source = inspect_file(Path(path), source_name, limits=import_limits(), slices=rule)
        if on_inspected is not None:
            on_inspected(source.rows_total)
        parser = resolve_parser(source, format_code, custom_layouts(organization))
        aside = None if sink is None else ReadAside(sink=sink, progress=progress)
        if aside is not None:
            # The parser's lookups query the database: from the read thread they go through this one.
            context = replace(
                context,
                accounts_by_els=partial(aside.here, context.accounts_by_els) if context.accounts_by_els else None,
                recipients_by_account=(
                    cache(partial(aside.here, context.recipients_by_account)) if context.recipients_by_account else None
                ),
            )
            progress = aside.progress
        collector = RegistryCollector(
            format_code=parser.code,
            format_label=parser.label,
            period=period,
            default_recipient=context.default_recipient,
            tolerance=context.tolerance,
            max_errors_kept=getattr(settings, "IMPORT_MAX_ERRORS_KEPT", 100_000),
            keep_drafts=keep_drafts,
            keep_totals=keep_totals,
            sink=aside.sink if aside is not None else None,
            slice_size=getattr(settings, "IMPORT_WRITE_SLICE", SLICE),
        )
        read = partial(_read, collector, parser.rows(source, context), grouped=grouped, progress=progress)
        # With a sink, the rows are read in a thread beside the sink's database work (read_aside.py).
        result = read() if aside is None else aside.run(read)
        conflicts = _bank_account_conflicts(organization, result) if result.bank_accounts else []
        if conflicts:
            result.errors.extend(conflicts)
            result.errors_count += len(conflicts)
            result.receipts, result.accounts = [], {}
        return result
    except ImportRefused as refusal:
        result = (
            collector.result
            if collector is not None
            else ImportResult(format_code="" if format_code == "auto" else format_code, format_label="", period=period)
        )
        # A refusal of the whole file is the reason to read first.
        result.errors[:0] = refusal.errors
        result.errors_count += len(refusal.errors)
        result.receipts = []
        return result
    finally:
        if source is not None:
            source.close()
