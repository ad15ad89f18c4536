"""Checking variables against the SDL's input types without graphql-core's coercion.

graphql-core coerces every field of every receipt into new dicts, which is most of a publish
call's server time; the sandbox and the local rules (rules.py) only need to refuse what Condo
would refuse (unknown fields, missing required ones, wrong scalar types), so checkers are
compiled once per input type.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
)

Checker = Callable[[Any, str], "str | None"]
INT_RANGE = range(-(2**31), 2**31)


_SCALAR_TESTS: dict[str, Callable[[Any], bool]] = {
    "String": lambda value: type(value) is str,
    "ID": lambda value: type(value) is str or type(value) is int,
    "Int": lambda value: type(value) is int and value in INT_RANGE,
    "Float": lambda value: type(value) is int or type(value) is float,
    "Boolean": lambda value: type(value) is bool,
}


def _scalar(name: str) -> Checker:
    test = _SCALAR_TESTS.get(name, lambda value: True)  # JSON and other custom scalars take anything

    def check(value: Any, path: str) -> str | None:
        return None if test(value) else f"{path}: {name} cannot represent {value!r}"

    return check


class InputChecker:
    def __init__(self) -> None:
        self._compiled: dict[str, Checker] = {}

    def checker(self, type_: GraphQLInputType) -> Checker:
        if isinstance(type_, GraphQLNonNull):
            inner = self.checker(type_.of_type)
            shown = str(type_)

            def non_null(value: Any, path: str) -> str | None:
                if value is None:
                    return f'{path}: expected non-nullable type "{shown}" not to be null'
                return inner(value, path)

            return non_null
        if isinstance(type_, GraphQLList):
            item = self.checker(type_.of_type)

            def listed(value: Any, path: str) -> str | None:
                if value is None:
                    return None
                for index, element in enumerate(value if isinstance(value, list) else [value]):
                    problem = item(element, f"{path}[{index}]")
                    if problem:
                        return problem
                return None

            return listed
        name = type_.name
        if name not in self._compiled:
            self._compiled[name] = _scalar(name)  # placeholder while compiling a recursive type
            self._compiled[name] = self._compile_named(type_)
        compiled = self._compiled
        return lambda value, path: None if value is None else compiled[name](value, path)

    def _compile_named(self, type_: GraphQLInputType) -> Checker:
        if isinstance(type_, GraphQLEnumType):
            names = frozenset(type_.values)
            return lambda value, path: None if value in names else f"{path}: not a value of {type_.name}: {value!r}"
        if isinstance(type_, GraphQLScalarType):
            return _scalar(type_.name)
        if not isinstance(type_, GraphQLInputObjectType):
            raise TypeError(f"not a named input type: {type_}")
        fields = {name: self.checker(field.type) for name, field in type_.fields.items()}
        # Most fields are plain strings: test those inline instead of through a checker call.
        strings = frozenset(name for name, field in type_.fields.items() if _named(field.type) == "String")
        required = [name for name, field in type_.fields.items() if isinstance(field.type, GraphQLNonNull)]

        def input_object(value: Any, path: str) -> str | None:
            if type(value) is not dict:
                return f'{path}: expected an object of type "{type_.name}"'
            for key, element in value.items():
                if element is None:
                    if key not in fields:
                        return f'{path}: field "{key}" is not defined by type "{type_.name}"'
                    continue
                if key in strings:
                    if type(element) is not str:
                        return f"{path}.{key}: String cannot represent {element!r}"
                    continue
                check = fields.get(key)
                if check is None:
                    return f'{path}: field "{key}" is not defined by type "{type_.name}"'
                problem = check(element, f"{path}.{key}")
                if problem:
                    return problem
            for key in required:
                if value.get(key) is None:
                    return f'{path}: field "{key}" of required type was not provided'
            return None

        return input_object


def _named(type_: GraphQLInputType) -> str:
    while isinstance(type_, (GraphQLNonNull, GraphQLList)):
        if isinstance(type_, GraphQLList):
            return ""
        type_ = type_.of_type
    return type_.name
