"""Registry import speed and memory against baselines measured in the same run.

Generates a registry in the desk Excel template (`--rows`, default 100,000; `--quick`: 2,000)
and measures, each in its own process (so peak RSS is that step's own):

  (a) raw openpyxl read-only iteration of the sheet (values_only),
  (b) raw python-calamine iteration of the same sheet,
  (c) this importer end to end into the database (SQLite; PostgreSQL when DATABASE_URL is set):
      safety checks, every validation, Decimal money, receipts grouped, one transaction,
  (d) django-import-export importing the same rows (tablib reads the xlsx) into a flat model with
      the same columns: its default configuration and its fastest (use_bulk, skip_diff,
      force_init_instance).

Targets (issue 5): (c) ≤ 0.75 × (a), stretch ≤ 3 × (b); (c) ≥ 3× faster than tuned (d) and
≥ 10× faster than default (d); peak RSS of (c) ≤ 300 MB at 100,000 rows.

    python bench/import_registry.py [--rows N] [--quick] [--ie-default-rows N] [--keep]
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


def worker_importer(path: Path) -> None:
    connection, cleanup = _own_database()
    try:
        from billing.models import Organization, Recipient
        from billing.services.imports import registry_import
        from tests.factories import UserFactory

        tin, bic, account = _recipient()
        recipient = Recipient.objects.create(tin=tin, bic=bic, bank_account=account)
        organization = Organization.objects.create(name="УК «Бенч»", tin="7736207543", default_recipient=recipient)
        user = UserFactory(username="bench", is_superuser=True)
        outcome, cpu, wall = _timed(
            lambda: registry_import(organization=organization, period=PERIOD, path=path, by=user, format_code="auto")
        )
        if outcome.batch is None:
            raise SystemExit("the bench registry was refused: " + "; ".join(map(str, outcome.result.errors[:3])))
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


def _run_worker(kind: str, path: Path, *extra: str) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--file", str(path), *extra]
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    for line in completed.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"worker {kind} failed:\n{completed.stdout[-2000:]}\n{completed.stderr[-4000:]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="2,000 rows: a smoke run")
    parser.add_argument(
        "--ie-default-rows",
        type=int,
        default=None,
        help="measure default django-import-export on the first N rows only and scale linearly",
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated registry")
    parser.add_argument("--worker")
    parser.add_argument("--file", type=Path)
    parser.add_argument("--limit", type=int)
    args = parser.parse_args(argv)

    if args.worker:
        if args.worker == "a":
            worker_openpyxl(args.file)
        elif args.worker == "b":
            worker_calamine(args.file)
        elif args.worker == "c":
            worker_importer(args.file)
        else:
            worker_import_export(args.file, tuned=args.worker == "d-tuned", rows_limit=args.limit)
        return 0

    rows = 2_000 if args.quick else args.rows
    directory = Path(tempfile.mkdtemp(prefix="bench-import-"))
    path = directory / f"registry-{rows}.xlsx"
    try:
        started = time.perf_counter()
        written = generate(path, rows)
        print(
            f"registry: {written} rows x 22 columns, {path.stat().st_size / 1e6:.1f} MB "
            f"(generated in {time.perf_counter() - started:.0f} s)"
        )
        database = "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
        figures = {
            "a": _run_worker("a", path),
            "b": _run_worker("b", path),
            "c": _run_worker("c", path),
            "d-tuned": _run_worker("d-tuned", path),
        }
        default_extra = []
        if args.ie_default_rows and args.ie_default_rows < written:
            default_extra = ["--limit", str(args.ie_default_rows)]
        figures["d-default"] = _run_worker("d-default", path, *default_extra)
        scale = written / figures["d-default"]["rows"] if default_extra else 1.0
        if default_extra:
            figures["d-default"]["import_cpu"] *= scale
            figures["d-default"]["cpu"] = figures["d-default"]["load_cpu"] + figures["d-default"]["import_cpu"]
        _print(figures, written, database, scale)
    finally:
        if args.keep:
            print(f"kept: {path}")
        else:
            shutil.rmtree(directory, ignore_errors=True)
    return 0


def _print(figures: dict, rows: int, database: str, scale: float) -> None:
    a, b, c = figures["a"], figures["b"], figures["c"]
    tuned, default = figures["d-tuned"], figures["d-default"]
    print(f"\n{'step':<52}{'CPU, s':>10}{'wall, s':>10}{'peak RSS, MB':>15}")
    rows_out = [
        ("(a) openpyxl read-only iteration", a),
        ("(b) python-calamine iteration", b),
        (f"(c) this importer, end to end into {database}", c),
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
    print("ratios on CPU time (targets in brackets):")
    print(f"  (c)/(a)          = {c['cpu'] / a['cpu']:.2f}   [≤ 0.75]")
    print(f"  (c)/(b)          = {c['cpu'] / b['cpu']:.2f}   [stretch ≤ 3]")
    print(
        f"  tuned (d)/(c)    = {tuned['cpu'] / c['cpu']:.1f}    [≥ 3]   import part only: {tuned['import_cpu'] / c['cpu']:.1f}"
    )
    print(
        f"  default (d)/(c)  = {default['cpu'] / c['cpu']:.1f}    [≥ 10]  import part only: {default['import_cpu'] / c['cpu']:.1f}"
    )
    print(f"  peak RSS of (c)  = {c['rss_mb']:.0f} MB  [≤ 300 MB at 100,000 rows]")


if __name__ == "__main__":
    sys.exit(main())
