"""The registry import bench's material (bench/import_registry.py): the generated registry and the workers.

Each worker runs in its own process (`import_registry.py --worker <kind>`), so its peak RSS is its
step's own, and reports its figures as one `RESULT <json>` line.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import sys
import time
import zipfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PERIOD = date(2026, 10, 1)
SERVICES_PER_ACCOUNT = 8


def _django(settings_module: str = "config.settings.test") -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    import django

    django.setup()


def _recipient() -> tuple[str, str, str]:
    from billing.importers.requisites import bank_account_with_key

    return ("7707083893", "044525225", bank_account_with_key("40702810000000012345", "044525225"))


def generate(path: Path, rows: int) -> int:
    """The registry, with a <dimension> element as Excel writes it (openpyxl's write-only mode omits
    it, and without it openpyxl's own reader would parse the sheet twice: an unfair baseline)."""
    _django()
    from billing.importers.desk_template import demo_registry_rows, write_desk_registry

    accounts = (rows + SERVICES_PER_ACCOUNT - 1) // SERVICES_PER_ACCOUNT
    raw = path.with_suffix(".raw.xlsx")
    written = 0

    def limited():
        nonlocal written
        for row in demo_registry_rows(period=PERIOD, recipient=_recipient(), accounts=accounts):
            if written == rows:
                return
            written += 1
            yield row

    write_desk_registry(raw, limited())
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                target.writestr(info, source.read(info))
                continue
            with source.open(info) as reader, target.open(info.filename, "w", force_zip64=True) as writer:
                head = reader.read(1 << 16)
                head = re.sub(rb"<sheetViews", b'<dimension ref="A1:V%d"/><sheetViews' % (written + 1), head, count=1)
                writer.write(head)
                shutil.copyfileobj(reader, writer, 1 << 20)
    raw.unlink()
    return written


# --- workers (each runs in its own process) ------------------------------------------------------


def _report(**figures) -> None:
    figures["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(figures), flush=True)


def _timed(function):
    cpu, wall = time.process_time(), time.perf_counter()
    value = function()
    return value, time.process_time() - cpu, time.perf_counter() - wall


def worker_openpyxl(path: Path) -> None:
    from openpyxl import load_workbook

    def run():
        workbook = load_workbook(path, read_only=True, data_only=True)
        count = sum(1 for _ in workbook.worksheets[0].iter_rows(values_only=True))
        workbook.close()
        return count

    rows, cpu, wall = _timed(run)
    _report(rows=rows, cpu=cpu, wall=wall)


def worker_calamine(path: Path) -> None:
    from python_calamine import CalamineWorkbook

    def run():
        with CalamineWorkbook.from_path(str(path)) as workbook:
            return sum(1 for _ in workbook.get_sheet_by_index(0).iter_rows())

    rows, cpu, wall = _timed(run)
    _report(rows=rows, cpu=cpu, wall=wall)


def _own_database(settings_module: str = "config.settings.test"):
    """A database of this worker's own, created and dropped by it (never `test_<DATABASE_URL's name>`,
    which a test run of the same server may be using); then Django on it, migrated."""
    sys.path.insert(0, str(ROOT))
    from bench.support import prepare_database

    _, cleanup = prepare_database("bench_import")
    _django(settings_module)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, run_syncdb=True)
    return connection, cleanup


def _organization():
    from billing.models import Organization, Recipient
    from tests.factories import UserFactory

    tin, bic, account = _recipient()
    recipient = Recipient.objects.create(tin=tin, bic=bic, bank_account=account)
    organization = Organization.objects.create(name="УК «Бенч»", tin="7736207543", default_recipient=recipient)
    return organization, UserFactory(username="bench", is_superuser=True)


def worker_importer(path: Path) -> None:
    """The command line's door (registry_import): parse and write the batch as the file is read."""
    connection, cleanup = _own_database()
    try:
        from django.core.files.storage import default_storage

        from billing.services.registry.write import registry_import

        organization, user = _organization()
        outcome, cpu, wall = _timed(
            lambda: registry_import(organization=organization, period=PERIOD, path=path, by=user, format_code="auto")
        )
        if outcome.batch is None:
            raise SystemExit("the bench registry was refused: " + "; ".join(map(str, outcome.result.errors[:3])))
        default_storage.delete(outcome.batch.source_file.name)
        _report(
            rows=outcome.result.rows_read,
            receipts=outcome.batch.receipts_count,
            service_lines=outcome.batch.service_lines_count,
            cpu=cpu,
            wall=wall,
            database=connection.vendor,
        )
    finally:
        cleanup()


def worker_preview(path: Path) -> None:
    """The admin's door up to the preview: upload_create stores the file and (tasks run inline in
    the test settings) the parse task checks it and keeps the preview of every receipt."""
    _connection, cleanup = _own_database()
    try:
        from django.core.files.storage import default_storage

        from billing.models import RegistryUpload
        from tests.billing.importers.conftest import upload_registry

        organization, user = _organization()

        def run():
            upload = upload_registry(path, organization=organization, by=user, period=PERIOD)
            return RegistryUpload.objects.get(pk=upload.pk)

        upload, cpu, wall = _timed(run)
        if upload.status != RegistryUpload.Status.READY:
            raise SystemExit(f"the bench upload ended {upload.status}: {upload.errors[:3]} {upload.message}")
        if upload.file.name:
            default_storage.delete(upload.file.name)
        _report(rows=upload.rows_read, receipts=upload.preview["receipts"], cpu=cpu, wall=wall)
    finally:
        cleanup()


def worker_import_export(path: Path, tuned: bool, rows_limit: int | None) -> None:
    _connection, cleanup = _own_database("bench.iebench.settings")
    try:
        import tablib

        from bench.iebench.models import RegistryLine
        from bench.iebench.resources import DefaultResource, TunedResource

        def load():
            dataset = tablib.Dataset().load(path.read_bytes(), format="xlsx")
            if rows_limit is not None and len(dataset) > rows_limit:
                del dataset[rows_limit:]
            return dataset

        dataset, load_cpu, load_wall = _timed(load)
        resource_class = TunedResource if tuned else DefaultResource
        result, cpu, wall = _timed(lambda: resource_class().import_data(dataset, dry_run=False, raise_errors=True))
        _report(
            rows=RegistryLine.objects.count(),
            load_cpu=load_cpu,
            load_wall=load_wall,
            import_cpu=cpu,
            import_wall=wall,
            cpu=load_cpu + cpu,
            wall=load_wall + wall,
            errors=result.has_errors(),
        )
    finally:
        cleanup()


WORKERS = {"a": worker_openpyxl, "b": worker_calamine, "c": worker_importer, "p": worker_preview}
