"""Registry import: parse and check a file completely, then create a draft batch all-or-nothing.

Two doors use it. The command line parses and writes in one go (`registry_import`). The admin
stores the upload, parses it in a django-q2 task while the page shows progress, shows a
preview, and creates the batch only when the user confirms (`upload_*` in imports_flow.py).
"""

from __future__ import annotations

import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Callable, Iterator

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.storage import default_storage

from billing.errors import ActionForbidden
from billing.importers.base import ImportRefused, ParseContext, RowError
from billing.importers.collect import ImportResult, RegistryCollector
from billing.importers.formats import resolve_parser
from billing.importers.safety import Limits, inspect_file
from billing.models import Account, Batch, Organization, SberColumnMap
from billing.services.import_writer import batch_create_from_import

IMPORT_PERMISSION = "billing.import_registry"


@dataclass(frozen=True)
class ImportOutcome:
    result: ImportResult
    batch: Batch | None


def import_limits() -> Limits:
    return Limits(
        max_bytes=settings.IMPORT_MAX_FILE_BYTES,
        max_rows=settings.IMPORT_MAX_ROWS,
        max_uncompressed=getattr(settings, "IMPORT_MAX_UNCOMPRESSED_BYTES", 2 << 30),
    )


def first_of_month(value: date) -> date:
    return value.replace(day=1)


def custom_layouts(organization: Organization) -> list:
    return [column_map.layout() for column_map in SberColumnMap.objects.filter(organization=organization, is_active=True)]


def _context(organization: Organization, period: date) -> ParseContext:
    recipient = organization.default_recipient
    return ParseContext(
        period=period,
        organization_tin=organization.tin,
        default_recipient=(recipient.tin, recipient.bic, recipient.bank_account) if recipient else None,
        tolerance=Decimal(str(getattr(settings, "IMPORT_TOTAL_TOLERANCE", "0.01"))),
        calamine_max_rows=getattr(settings, "IMPORT_CALAMINE_MAX_ROWS", 150_000),
        max_rows=settings.IMPORT_MAX_ROWS,
        accounts_by_els=lambda: _accounts_by_els(organization),
    )


def _accounts_by_els(organization: Organization) -> dict[str, tuple[str, str, str, str]]:
    rows = Account.objects.filter(organization=organization).exclude(els="").values_list(
        "els", "number", "property__address", "unit_name", "full_name")
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
) -> ImportResult:
    """Read and check every row of a file. Never writes; a refused file comes back with errors."""
    period = first_of_month(period)
    context = _context(organization, period)
    collector = None
    try:
        source = inspect_file(Path(path), source_name, limits=import_limits())
        if on_inspected is not None:
            on_inspected(source.rows_total)
        parser = resolve_parser(source, format_code, custom_layouts(organization))
        collector = RegistryCollector(
            format_code=parser.code,
            format_label=parser.label,
            period=period,
            default_recipient=context.default_recipient,
            tolerance=context.tolerance,
            max_errors_kept=getattr(settings, "IMPORT_MAX_ERRORS_KEPT", 100_000),
        )
        collector.feed(parser.rows(source, context), progress=progress)
        return collector.finish()
    except ImportRefused as refusal:
        result = collector.result if collector is not None else ImportResult(
            format_code="" if format_code == "auto" else format_code, format_label="", period=period)
        # A refusal of the whole file is the reason to read first.
        result.errors[:0] = refusal.errors
        result.errors_count += len(refusal.errors)
        result.receipts = []
        return result


def registry_import(
    *,
    organization: Organization,
    period: date,
    path: Path,
    by: AbstractBaseUser,
    format_code: str = "auto",
    source_name: str | None = None,
) -> ImportOutcome:
    """Parse a local file and, when it is clean, store it and create a draft batch (the CLI door)."""
    if not by.has_perm(IMPORT_PERMISSION):
        raise ActionForbidden("У вашей роли нет права загружать реестры.")
    path = Path(path)
    name = source_name or path.name
    result = registry_parse(organization=organization, period=period, path=path, source_name=name,
                            format_code=format_code)
    if not result.ok:
        return ImportOutcome(result=result, batch=None)
    stored = store_file(path, name)
    try:
        batch = batch_create_from_import(result=result, organization=organization, period=first_of_month(period),
                                         by=by, source_file=stored, source_name=name)
    except BaseException:
        default_storage.delete(stored)
        raise
    return ImportOutcome(result=result, batch=batch)


def store_file(path: Path, name: str) -> str:
    """Copy a file into the default storage under a random name (never the user's name)."""
    from billing.models.batches import batch_source_path

    with Path(path).open("rb") as handle:
        return default_storage.save(batch_source_path(None, name), handle)


@contextmanager
def local_path(stored_name: str) -> Iterator[Path]:
    """A filesystem path for a stored file: the file itself on local storage, a temporary copy otherwise."""
    try:
        local = default_storage.path(stored_name)
    except NotImplementedError:
        local = None
    if local is not None:
        yield Path(local)
        return
    suffix = Path(stored_name).suffix
    with tempfile.NamedTemporaryFile(suffix=suffix) as copy, default_storage.open(stored_name, "rb") as source:
        shutil.copyfileobj(source, copy)
        copy.flush()
        yield Path(copy.name)


def errors_as_text(errors: list[RowError]) -> list[str]:
    return [str(error) for error in errors]
