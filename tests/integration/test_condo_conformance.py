"""Our SDL and documents against Condo's real, full schema (../shared/condo/schema.graphql).

Building the 3 MB schema takes 12–15 s, so it is built once for the module and never at run
time. Skipped when the file is absent (it is present in CI).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    Undefined,
    build_schema,
    validate,
)

from integration.condo.documents import operation_files, operations, project_schema

REAL_SCHEMA = Path(settings.BASE_DIR).parent / "shared" / "condo" / "schema.graphql"

pytestmark = pytest.mark.skipif(not REAL_SCHEMA.is_file(), reason="Condo's full schema.graphql is not available")


@pytest.fixture(scope="module")
def real_schema():
    return build_schema(REAL_SCHEMA.read_text(encoding="utf-8"))


def test_every_document_validates_against_the_real_schema(real_schema):
    assert operation_files()
    for path in operation_files():
        errors = validate(real_schema, operations()[path.stem].document)
        assert not errors, f"{path.name}: {[e.message for e in errors]}"


def test_our_sdl_is_a_faithful_subset_of_the_real_one(real_schema):
    ours = project_schema()
    for name, our_type in ours.type_map.items():
        if name.startswith("__") or (
            isinstance(our_type, GraphQLScalarType) and name in ("String", "Int", "Float", "Boolean", "ID")
        ):
            continue
        real_type = real_schema.type_map.get(name)
        assert real_type is not None, f"type {name} is not in Condo's schema"
        assert type(real_type) is type(our_type), name
        if isinstance(our_type, GraphQLEnumType):
            assert set(our_type.values) <= set(real_type.values), name
        if isinstance(our_type, (GraphQLObjectType, GraphQLInputObjectType)):
            for field_name, field in our_type.fields.items():
                real_field = real_type.fields.get(field_name)
                assert real_field is not None, f"{name}.{field_name} is not in Condo's schema"
                assert str(field.type) == str(real_field.type), f"{name}.{field_name}"
                for arg_name, arg in getattr(field, "args", {}).items():
                    assert str(arg.type) == str(real_field.args[arg_name].type), f"{name}.{field_name}({arg_name})"


def test_input_types_keep_every_field_condo_requires(real_schema):
    for name, our_type in project_schema().type_map.items():
        if not isinstance(our_type, GraphQLInputObjectType):
            continue
        required = {
            f
            for f, field in real_schema.type_map[name].fields.items()
            if isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined
        }
        assert required <= set(our_type.fields), f"{name} lacks {required - set(our_type.fields)}"
        if name == "RegisterBillingReceiptInput":
            assert {
                "address",
                "accountNumber",
                "toPay",
                "month",
                "year",
                "tin",
                "routingNumber",
                "bankAccount",
            } <= required
