"""Run the bench scripts and print one table of every figure: `python bench/run_all.py [--quick]`.

Each script runs in its own process (each sets up Django against its own throwaway database)
and prints its own details; the rows it reports for the closing table come as marker lines
(support.FIGURE_MARKER + JSON) that this collects. The exit code is non-zero if any script failed.

    python bench/run_all.py [--quick] [--rows 100000] [--large-rows 1000000] [--receipts 3000000]
                            [--only import_registry,admin_pages]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.support import FIGURE_MARKER  # noqa: E402

_HAS_MAIN = re.compile(r"^def main\(", re.MULTILINE)
# The scripts of issue 16's table first: their rows lead the closing table.
FIRST = ("import_registry.py", "admin_pages.py")


def scripts() -> list[Path]:
    found = [
        path
        for path in sorted(HERE.glob("*.py"))
        if path.name not in {"run_all.py", "__init__.py", "support.py"}
        and _HAS_MAIN.search(path.read_text(encoding="utf-8"))
    ]
    return sorted(found, key=lambda path: (path.name not in FIRST, FIRST.index(path.name) if path.name in FIRST else 0))


def _arguments(script: str, args: argparse.Namespace) -> list[str]:
    extra = ["--quick"] if args.quick else []
    if script == "import_registry.py":
        extra += [f"--rows={args.rows}"] if args.rows else []
        extra += [f"--large-rows={args.large_rows}"] if args.large_rows is not None else []
    if script == "admin_pages.py" and args.receipts:
        extra += [f"--receipts={args.receipts}"]
    return extra


def _run(script: Path, extra: list[str]) -> tuple[int, list[dict]]:
    """Run one script, passing its output through as it comes, and collect its figures."""
    rows = []
    process = subprocess.Popen(
        [sys.executable, str(script), *extra], cwd=HERE.parent, stdout=subprocess.PIPE, text=True, bufsize=1
    )
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith(FIGURE_MARKER):
            rows.append(json.loads(line[len(FIGURE_MARKER) :]))
        else:
            sys.stdout.write(line)
            sys.stdout.flush()
    return process.wait(), rows


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    if abs(value) >= 100:
        return f"{value:,.0f}".replace(",", " ")
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"


def table(rows: list[dict]) -> str:
    header = ("figure", "value", "baseline (same run)", "ratio", "target", "")
    lines = [
        (
            row["name"],
            f"{_number(row['value'])} {row['unit']}".strip(),
            f"{_number(row['baseline'])} {row['baseline_label']}".strip() if row["baseline"] is not None else "—",
            "—" if row["ratio"] is None else f"{row['ratio']:.2f}",
            row["target"],
            {True: "✓", False: "✗", None: "·"}[row["ok"]],
        )
        for row in rows
    ]
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *lines)]
    out = []
    for cells in (header, *lines):
        out.append("  ".join(str(cell).ljust(width) for cell, width in zip(cells, widths)).rstrip())
        if cells is header:
            out.append("  ".join("-" * width for width in widths))
    notes = [f"  {row['name']}: {row['note']}" for row in rows if row.get("note")]
    return "\n".join(out + (["", "notes:", *notes] if notes else []))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="every script's smoke size: a few minutes in all")
    parser.add_argument("--rows", type=int, help="registry rows of the import comparisons (default 100,000)")
    parser.add_argument("--large-rows", type=int, help="rows of the memory-growth import (default 1,000,000)")
    parser.add_argument("--receipts", type=int, help="receipts of the admin pages bench (default 3,000,000)")
    parser.add_argument("--only", help="comma-separated script names (without .py)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    chosen = scripts()
    if args.only:
        wanted = {name.strip().removesuffix(".py") for name in args.only.split(",")}
        chosen = [path for path in chosen if path.stem in wanted]
    failed, figures = [], []
    for script in chosen:
        extra = _arguments(script.name, args)
        print(f"\n=== {script.name} {' '.join(extra)}".rstrip(), flush=True)
        code, rows = _run(script, extra)
        figures += rows
        if code != 0:
            failed.append(script.name)
    if figures:
        print("\n=== every figure of this run\n" + table(figures))
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
