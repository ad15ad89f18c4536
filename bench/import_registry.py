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

(a), (b) and (c) run in turn `--rounds` times (default 3) and their medians are compared.

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
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.import_workers import WORKERS, generate, worker_import_export  # noqa: E402

# --- driver -------------------------------------------------------------------------------------


def _run_worker(kind: str, path: Path, *extra: str) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--file", str(path), *extra]
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    for line in completed.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"worker {kind} failed:\n{completed.stdout[-2000:]}\n{completed.stderr[-4000:]}")


def _alternating(path: Path, rounds: int) -> dict[str, dict]:
    """(a), (b) and (c) in turn, `rounds` times: each figure the median of its rounds (peak RSS the
    highest). One run of each drifts with whatever else the machine does; rounds in turn share it."""
    runs: dict[str, list[dict]] = {"a": [], "b": [], "c": []}
    for number in range(1, max(rounds, 1) + 1):
        for kind, found in runs.items():
            found.append(_run_worker(kind, path))
        print(
            f"round {number}: "
            + ", ".join(
                f"({kind}) {found[-1]['cpu']:.2f} s CPU {found[-1]['wall']:.2f} s wall" for kind, found in runs.items()
            ),
            flush=True,
        )
    figures = {}
    for kind, found in runs.items():
        figures[kind] = {
            **found[0],
            "cpu": statistics.median(run["cpu"] for run in found),
            "wall": statistics.median(run["wall"] for run in found),
            "rss_mb": max(run["rss_mb"] for run in found),
        }
    return figures


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
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternating rounds of (a), (b), (c); their medians are compared"
    )
    parser.add_argument("--worker", choices=[*WORKERS, "d-tuned", "d-default"], help="one step in this process")
    parser.add_argument("--file", type=Path)
    parser.add_argument("--limit", type=int)
    args = parser.parse_args(argv)

    if args.worker:
        if args.worker in WORKERS:
            WORKERS[args.worker](args.file)
        else:  # a mistyped name is refused by argparse, not run as django-import-export
            worker_import_export(args.file, tuned=args.worker == "d-tuned", rows_limit=args.limit)
        return 0

    rows = 2_000 if args.quick else args.rows
    large_rows = 20_000 if args.quick else args.large_rows
    directory = Path(tempfile.mkdtemp(prefix="bench-import-"))
    try:
        path, written = _registry(directory, rows)
        database = "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
        figures = _alternating(path, args.rounds)
        figures.update({kind: _run_worker(kind, path) for kind in ("p", "d-tuned")})
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

    a, b, c, tuned = figures["a"], figures["b"], figures["c"], figures["d-tuned"]
    size = f"{rows // 1000}k rows, {database}"
    wall, cpu, ie = c["wall"], c["cpu"], tuned["wall"]  # ie: django-import-export's wall, tuned
    openpyxl, calamine, faster = wall / a["wall"], cpu / b["cpu"], ie / wall
    # (what, ours, theirs, their label, ratio, target, met), in the closing table's order
    comparisons = (
        ("wall vs raw openpyxl", wall, a["wall"], "s openpyxl", openpyxl, "≤ 0.5", openpyxl <= 0.5),
        ("wall: times faster than tuned django-import-export", wall, ie, "s d-i-e tuned", faster, "≥ 5", faster >= 5),
        ("client CPU vs raw python-calamine", cpu, b["cpu"], "s calamine", calamine, "≤ 2.5", calamine <= 2.5),
    )
    for what, ours, theirs, label, ratio, target, met in comparisons:
        figure(
            f"import {size}, {what}",
            ours,
            unit="s",
            baseline=theirs,
            baseline_label=label,
            ratio=ratio,
            target=target,
            ok=met,
        )
    _peak_figure(figures, rows, baseline=a["rss_mb"], baseline_label="MB openpyxl iteration", most_mb=200)


def _peak_figure(figures: dict, rows: int, *, baseline: float, baseline_label: str, most_mb: int) -> float:
    """The higher peak RSS of the import (c) and of the upload's check and preview (p), against `most_mb`."""
    from bench.support import figure

    c, p = figures["c"], figures["p"]
    peak = max(c["rss_mb"], p["rss_mb"])
    figure(
        f"peak RSS, {rows // 1000}k rows (import; upload check and preview)",
        peak,
        unit="MB",
        baseline=baseline,
        baseline_label=baseline_label,
        ratio=peak / baseline,
        target=f"≤ {most_mb} MB",
        ok=peak <= most_mb,
        note=f"import {c['rss_mb']:.0f} MB, upload check and preview {p['rss_mb']:.0f} MB",
    )
    return peak


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
    _peak_figure(large, large_rows, baseline=small_peak, baseline_label=f"MB at {rows // 1000}k", most_mb=150)
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
