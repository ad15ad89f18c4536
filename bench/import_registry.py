"""Registry import speed and memory against baselines measured in the same run (issue 16's table).

Generates a registry in the desk Excel template (`--rows`, default 100,000; `--quick`: 2,000)
and measures, each in its own process (so peak RSS is that step's own):

  (a) raw openpyxl read-only iteration of the sheet (values_only),
  (b) raw python-calamine iteration of the same sheet,
  (c) this importer end to end into the database (SQLite; PostgreSQL when DATABASE_URL is set):
      the command line's door, safety checks, every validation, Decimal money, one transaction,
  (p) the admin's check of an upload: the parse task with its preview (the upload's door),
  (d) django-import-export importing the same rows (tablib reads the xlsx) into a flat model with
      the same columns: its default configuration and its fastest (use_bulk, skip_diff,
      force_init_instance).

Then a registry of `--large-rows` (default 1,000,000; `--quick`: 20,000; 0 skips it) goes
through (c) and (p) again under the default limits: it must be accepted, and peak RSS must not
grow with the rows.

Targets (issue 16): wall of (c) ≤ 0.5 × (a); CPU of (c) ≤ 2.5 × (b); tuned (d) ≥ 5 × (c) on
wall; peak RSS ≤ 200 MB at 100,000 rows, ≤ 150 MB and flat from 100,000 to 1,000,000 rows.

    python bench/import_registry.py [--rows N] [--large-rows N] [--quick] [--ie-default-rows N] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
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
        from billing.services.registry.upload import upload_create

        organization, user = _organization()

        def run():
            with path.open("rb") as handle:
                upload = upload_create(
                    organization=organization,
                    period=PERIOD,
                    format_code="auto",
                    file=handle,
                    name=path.name,
                    size=path.stat().st_size,
                    by=user,
                )
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


# --- driver -------------------------------------------------------------------------------------

WORKERS = {"a": worker_openpyxl, "b": worker_calamine, "c": worker_importer, "p": worker_preview}


def _run_worker(kind: str, path: Path, *extra: str) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--file", str(path), *extra]
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    for line in completed.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"worker {kind} failed:\n{completed.stdout[-2000:]}\n{completed.stderr[-4000:]}")


def _registry(directory: Path, rows: int) -> tuple[Path, int]:
    path = directory / f"registry-{rows}.xlsx"
    started = time.perf_counter()
    written = generate(path, rows)
    print(
        f"registry: {written} rows x 22 columns, {path.stat().st_size / 1e6:.1f} MB "
        f"(generated in {time.perf_counter() - started:.0f} s)",
        flush=True,
    )
    return path, written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--large-rows", type=int, default=1_000_000, help="the memory-growth registry; 0 skips it")
    parser.add_argument("--quick", action="store_true", help="2,000 and 20,000 rows: a smoke run")
    parser.add_argument(
        "--ie-default-rows",
        type=int,
        default=None,
        help="measure default django-import-export on the first N rows only and scale linearly",
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated registries")
    parser.add_argument("--worker")
    parser.add_argument("--file", type=Path)
    parser.add_argument("--limit", type=int)
    args = parser.parse_args(argv)

    if args.worker:
        if args.worker in WORKERS:
            WORKERS[args.worker](args.file)
        else:
            worker_import_export(args.file, tuned=args.worker == "d-tuned", rows_limit=args.limit)
        return 0

    rows = 2_000 if args.quick else args.rows
    large_rows = 20_000 if args.quick else args.large_rows
    directory = Path(tempfile.mkdtemp(prefix="bench-import-"))
    try:
        path, written = _registry(directory, rows)
        database = "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
        figures = {kind: _run_worker(kind, path) for kind in ("a", "b", "c", "p", "d-tuned")}
        default_extra = []
        if args.ie_default_rows and args.ie_default_rows < written:
            default_extra = ["--limit", str(args.ie_default_rows)]
        figures["d-default"] = _run_worker("d-default", path, *default_extra)
        scale = written / figures["d-default"]["rows"] if default_extra else 1.0
        if default_extra:
            figures["d-default"]["import_cpu"] *= scale
            figures["d-default"]["cpu"] = figures["d-default"]["load_cpu"] + figures["d-default"]["import_cpu"]
        _print(figures, written, database, scale)
        _figures(figures, written, database)
        if large_rows:
            if not args.keep:
                path.unlink()
            large_path, large_written = _registry(directory, large_rows)
            large = {kind: _run_worker(kind, large_path) for kind in ("c", "p")}
            _print_large(figures, large, written, large_written, large_path)
    finally:
        if args.keep:
            print(f"kept: {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)
    return 0


def _print(figures: dict, rows: int, database: str, scale: float) -> None:
    a, b, c, p = figures["a"], figures["b"], figures["c"], figures["p"]
    tuned, default = figures["d-tuned"], figures["d-default"]
    print(f"\n{'step':<52}{'CPU, s':>10}{'wall, s':>10}{'peak RSS, MB':>15}")
    rows_out = [
        ("(a) openpyxl read-only iteration", a),
        ("(b) python-calamine iteration", b),
        (f"(c) this importer, end to end into {database}", c),
        ("(p) the upload's check and preview", p),
        ("(d) django-import-export, tuned (load + import)", tuned),
        ("(d) django-import-export, default (load + import)" + (" *" if scale != 1.0 else ""), default),
    ]
    for label, item in rows_out:
        wall = item.get("wall", 0.0) if scale == 1.0 or item is not default else float("nan")
        print(f"{label:<52}{item['cpu']:>10.2f}{wall:>10.2f}{item['rss_mb']:>15.0f}")
    if scale != 1.0:
        print(
            f"  * import part measured on {default['rows']} rows and scaled ×{scale:.1f}; the xlsx load is measured whole"
        )
    print(f"\n(c): {c['receipts']} receipts, {c['service_lines']} service lines from {rows} rows")
    print(f"  default (d)/(c) CPU = {default['cpu'] / c['cpu']:.1f}", flush=True)


def _figures(figures: dict, rows: int, database: str) -> None:
    from bench.support import figure

    a, b, c, p, tuned = figures["a"], figures["b"], figures["c"], figures["p"], figures["d-tuned"]
    size = f"{rows // 1000}k rows, {database}"
    ratio = c["wall"] / a["wall"]
    figure(
        f"import {size}, wall vs raw openpyxl",
        c["wall"],
        unit="s",
        baseline=a["wall"],
        baseline_label="s openpyxl",
        ratio=ratio,
        target="≤ 0.5",
        ok=ratio <= 0.5,
    )
    ratio = tuned["wall"] / c["wall"]
    figure(
        f"import {size}, wall: times faster than tuned django-import-export",
        c["wall"],
        unit="s",
        baseline=tuned["wall"],
        baseline_label="s d-i-e tuned",
        ratio=ratio,
        target="≥ 5",
        ok=ratio >= 5,
    )
    ratio = c["cpu"] / b["cpu"]
    figure(
        f"import {size}, client CPU vs raw python-calamine",
        c["cpu"],
        unit="s",
        baseline=b["cpu"],
        baseline_label="s calamine",
        ratio=ratio,
        target="≤ 2.5",
        ok=ratio <= 2.5,
    )
    peak = max(c["rss_mb"], p["rss_mb"])
    figure(
        f"peak RSS, {rows // 1000}k rows (import; upload check and preview)",
        peak,
        unit="MB",
        baseline=a["rss_mb"],
        baseline_label="MB openpyxl iteration",
        ratio=peak / a["rss_mb"],
        target="≤ 200 MB",
        ok=peak <= 200,
        note=f"import {c['rss_mb']:.0f} MB, upload check and preview {p['rss_mb']:.0f} MB",
    )


def _print_large(figures: dict, large: dict, rows: int, large_rows: int, path: Path) -> None:
    from django.conf import settings

    from bench.support import figure

    c, p = large["c"], large["p"]
    peak = max(c["rss_mb"], p["rss_mb"])
    small_peak = max(figures["c"]["rss_mb"], figures["p"]["rss_mb"])
    growth_kb = (peak - small_peak) * 1024 / (large_rows - rows)
    print(
        f"\n{large_rows} rows: import {c['cpu']:.1f} s CPU, {c['wall']:.1f} s wall, {c['rss_mb']:.0f} MB; "
        f"upload check and preview {p['cpu']:.1f} s CPU, {p['wall']:.1f} s wall, {p['rss_mb']:.0f} MB; "
        f"growth {growth_kb:.3f} KB a row from {rows} rows",
        flush=True,
    )
    figure(
        f"peak RSS, {large_rows // 1000}k rows (import; upload check and preview)",
        peak,
        unit="MB",
        baseline=small_peak,
        baseline_label=f"MB at {rows // 1000}k",
        ratio=peak / small_peak,
        target="≤ 150 MB",
        ok=peak <= 150,
        note=f"import {c['rss_mb']:.0f} MB, upload check and preview {p['rss_mb']:.0f} MB",
    )
    figure(
        f"RSS growth a row, {rows // 1000}k → {large_rows // 1000}k rows",
        growth_kb,
        unit="KB",
        target="flat: ≤ 0.02 KB",
        ok=growth_kb <= 0.02,
    )
    size, limit = path.stat().st_size, settings.IMPORT_MAX_FILE_BYTES
    accepted = c["receipts"] > 0 and p["receipts"] > 0 and size <= limit and large_rows <= settings.IMPORT_MAX_ROWS
    figure(
        f"a {large_rows // 1000}k-row desk registry under the default limits",
        size / 1e6,
        unit="MB",
        baseline=limit / 1e6,
        baseline_label="MB IMPORT_MAX_FILE_BYTES",
        ratio=size / limit,
        target="accepted",
        ok=accepted,
        note=f"{large_rows} rows of IMPORT_MAX_ROWS {settings.IMPORT_MAX_ROWS}; "
        f"import wrote {c['receipts']} receipts, the upload's preview has {p['receipts']}",
    )


if __name__ == "__main__":
    sys.exit(main())
