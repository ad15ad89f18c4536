"""Run every bench script in bench/ that has a main(): `python bench/run_all.py [--quick]`.

Each script runs in its own process: each sets up Django against its own throwaway database.
The exit code is non-zero if any script failed.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
_HAS_MAIN = re.compile(r"^def main\(", re.MULTILINE)


def scripts() -> list[Path]:
    return [
        path
        for path in sorted(HERE.glob("*.py"))
        if path.name not in {"run_all.py", "__init__.py"} and _HAS_MAIN.search(path.read_text(encoding="utf-8"))
    ]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    extra = ["--quick"] if "--quick" in args else []
    failed = []
    for script in scripts():
        print(f"\n=== {script.name} {' '.join(extra)}".rstrip(), flush=True)
        if subprocess.run([sys.executable, str(script), *extra], cwd=HERE.parent).returncode != 0:
            failed.append(script.name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
