"""The Condo client stands alone, and every task the desk queues names a real task function."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import billing.enqueue
import integration.condo

CONDO_DIR = Path(integration.condo.__file__).parent


def _imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):  # function-level imports too
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_the_condo_client_imports_nothing_of_the_desk():
    offenders = {
        path.name: sorted(module for module in _imported_modules(path) if module.split(".")[0] in ("billing", "config"))
        for path in CONDO_DIR.glob("*.py")
    }
    assert {name: modules for name, modules in offenders.items() if modules} == {}


def test_every_queued_task_path_is_a_task_function():
    tree = ast.parse(Path(billing.enqueue.__file__).read_text(encoding="utf-8"))
    paths = [
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", "") in ("_queue", "_by_id")
        and isinstance(node.args[0], ast.Constant)
    ]
    assert len(paths) == 11
    for dotted in paths:
        module, name = dotted.rsplit(".", 1)
        assert callable(getattr(importlib.import_module(module), name, None)), dotted
