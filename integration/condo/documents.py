"""The GraphQL documents the client sends, checked against the project's own SDL.

Each `operations/<name>.graphql` holds one operation named like its file. They are parsed and
validated once per process against `schema.graphql` (a small SDL written from the contract;
building Condo's full 3 MB schema takes 12–15 s, so it is only used by a conformance test).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLSchema,
    OperationDefinitionNode,
    build_schema,
    parse,
    print_ast,
    validate,
)

PACKAGE_DIR = Path(__file__).resolve().parent
SCHEMA_PATH = PACKAGE_DIR / "schema.graphql"
OPERATIONS_DIR = PACKAGE_DIR / "operations"
# Condo refuses longer query texts (requestLimiting, contract §1); data goes in variables.
MAX_QUERY_LENGTH = 8192


class DocumentError(Exception):
    pass


@dataclass(frozen=True)
class Operation:
    name: str
    text: str  # the text as sent (printed from the parsed document)
    document: DocumentNode
    response_key: str  # alias of the root field, where the answer sits in `data`


@cache
def project_schema() -> GraphQLSchema:
    return build_schema(SCHEMA_PATH.read_text(encoding="utf-8"))


def operation_files() -> list[Path]:
    return sorted(OPERATIONS_DIR.glob("*.graphql"))


def load_operation(path: Path, schema: GraphQLSchema | None = None) -> Operation:
    document = parse(path.read_text(encoding="utf-8"))
    definitions = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(definitions) != 1 or definitions[0].name is None or definitions[0].name.value != path.stem:
        raise DocumentError(f"{path.name}: expected exactly one operation named {path.stem}")
    errors = validate(schema or project_schema(), document)
    if errors:
        raise DocumentError(f"{path.name}: " + "; ".join(error.message for error in errors))
    text = print_ast(document)
    if len(text) > MAX_QUERY_LENGTH:
        raise DocumentError(f"{path.name}: {len(text)} characters, Condo accepts at most {MAX_QUERY_LENGTH}")
    roots = [s for s in definitions[0].selection_set.selections if isinstance(s, FieldNode)]
    if len(roots) != 1:
        raise DocumentError(f"{path.name}: expected exactly one root field")
    root = roots[0]
    return Operation(path.stem, text, document, (root.alias or root.name).value)


@cache
def operations() -> dict[str, Operation]:
    """Every operation, validated; raises DocumentError at start-up if one is broken."""
    return {path.stem: load_operation(path) for path in operation_files()}
