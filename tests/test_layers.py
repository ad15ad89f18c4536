"""The layers keep their rules: billing never imports integration, and no module imports itself round a cycle.

Both read the source with `ast`, not by importing it, so an import hidden in a function counts too.
billing reaches integration only by dotted paths in settings (BATCH_FINGERPRINT, BATCH_PANELS) and
by task names; integration builds on billing.
"""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PACKAGES = ("billing", "integration", "config")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    return {module_name(path): path for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))}


def absolute(node: ast.ImportFrom, module: str, path: Path) -> str:
    """The module an `from … import` names, relative imports resolved against `module`."""
    if not node.level:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join([*base, node.module] if node.module else base)


def imported_names(tree: ast.AST, module: str, path: Path, *, nodes) -> list[tuple[int, str, list[str]]]:
    """(line, module, names) for each import statement among `nodes`."""
    found = []
    for node in nodes(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.append((node.lineno, absolute(node, module, path), [alias.name for alias in node.names]))
    return found


def every_node(tree: ast.AST):
    return ast.walk(tree)


def top_level_nodes(tree: ast.AST):
    """Statements that run when the module is imported: the body and its plain if/try blocks, not
    `if TYPE_CHECKING:` (never run) nor function or class bodies."""
    pending = list(getattr(tree, "body", []))
    while pending:
        node = pending.pop(0)
        yield node
        if isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                pending.extend(node.body)
            pending.extend(node.orelse)
        elif isinstance(node, ast.Try):
            pending.extend([*node.body, *node.orelse, *node.finalbody])
            for handler in node.handlers:
                pending.extend(handler.body)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def parse(path: Path) -> ast.AST:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_billing_does_not_import_integration():
    offending = []
    for module, path in project_modules().items():
        if module != "billing" and not module.startswith("billing."):
            continue
        for line, target, _ in imported_names(parse(path), module, path, nodes=every_node):
            if target == "integration" or target.startswith("integration."):
                offending.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert not offending, "billing must not import integration:\n" + "\n".join(offending)


def import_graph() -> dict[str, set[str]]:
    """Module → the project modules its top-level imports load (`from a import b` loads a.b if b is a module)."""
    modules = project_modules()
    graph: dict[str, set[str]] = {module: set() for module in modules}
    for module, path in modules.items():
        for _, target, names in imported_names(parse(path), module, path, nodes=top_level_nodes):
            submodules = {f"{target}.{name}" for name in names} & modules.keys()
            graph[module] |= submodules or ({target} & modules.keys())
            graph[module].discard(module)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_a_submodule_imported_from_its_package():
    graph = import_graph()
    assert "billing.admin.panels.base" in graph["billing.admin.batches"]
    # Imports only for the type checker do not run, so they make no edge.
    assert "billing.admin.batches" not in graph["billing.admin.panels.base"]


def test_no_import_cycle_between_project_modules():
    found = cycles(import_graph())
    assert not found, "import cycles:\n" + "\n".join(" ↔ ".join(component) for component in found)


def test_every_package_has_its_init():
    folders = {path.parent for package in PACKAGES for path in (ROOT / package).rglob("*.py")}
    missing = sorted(str(folder.relative_to(ROOT)) for folder in folders if not (folder / "__init__.py").exists())
    assert not missing, "folders of modules without __init__.py: " + ", ".join(missing)
