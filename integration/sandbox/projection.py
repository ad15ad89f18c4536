"""The fast path's answer to a plain selection: the fields asked for, in order, with their own errors.

A selection without fragments, directives or arguments is rendered here without graphql-core's
executor (engine.py); a virtual field that fails to resolve is reported at its path, alone,
as graphql-core would.
"""

from __future__ import annotations

from typing import Any

from graphql import FieldNode

from integration.sandbox.errors import SandboxError


def projection_of(field: FieldNode) -> list | None:
    """[(response key, field name, sub-projection)] or None when the selection has fragments."""
    if field.selection_set is None:
        return None
    result = []
    for selection in field.selection_set.selections:
        if (
            not isinstance(selection, FieldNode)
            or selection.directives
            or selection.arguments
            or selection.name.value.startswith("__")
        ):
            return None
        sub = projection_of(selection) if selection.selection_set else None
        if selection.selection_set and sub is None:
            return None
        result.append(((selection.alias or selection.name).value, selection.name.value, sub))
    return result


class FieldErrors:
    """Where a field of a returned receipt that fails to resolve (a virtual field) is reported."""

    def __init__(self, errors: list[dict[str, Any]], where: dict[str, Any], path: list[Any]) -> None:
        self.errors, self.where, self.path = errors, where, path

    def at(self, key: str) -> FieldErrors:
        return FieldErrors(self.errors, self.where, [*self.path, key])

    def add(self, error: SandboxError) -> None:
        self.errors.append(
            {
                "message": error.message,
                "name": error.name,
                **self.where,
                "path": self.path,
                "extensions": {"code": "INTERNAL_SERVER_ERROR", **error.extensions},
            }
        )


def render(value: Any, projection: list | None, errors: FieldErrors) -> Any:
    if callable(value):
        try:
            value = value()
        except SandboxError as error:  # a nullable field fails alone, like graphql-core's executor
            errors.add(error)
            return None
    if value is None or projection is None:
        return value
    if isinstance(value, list):
        return [render(item, projection, errors) for item in value]
    return {key: render(value.get(name), sub, errors.at(key)) for key, name, sub in projection}
