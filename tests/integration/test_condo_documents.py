"""Every operation the client sends is valid against the project's own SDL (checked at start-up)."""

from __future__ import annotations

import pytest

from integration.condo.documents import (
    MAX_QUERY_LENGTH,
    DocumentError,
    load_operation,
    operation_files,
    operations,
    project_schema,
)

EXPECTED = {
    "signin",
    "signinByPhone",
    "authenticatedUser",
    "registerBillingReceipts",
    "countBillingReceipts",
    "allBillingReceipts",
    "allBillingAccounts",
    "updateBillingReceipts",
    "registerBillingReceiptFile",
    "receiptsDeletedAt",
}


def test_every_operation_loads_and_validates():
    loaded = operations()
    assert set(loaded) == EXPECTED
    for operation in loaded.values():
        assert len(operation.text) <= MAX_QUERY_LENGTH
        assert operation.response_key in {"auth", "user", "result", "meta", "objs"}


def test_publish_selection_reads_back_what_outcomes_need():
    text = operations()["registerBillingReceipts"].text
    for field in ("id", "importId", "toPay", "invalidServicesError", "receiver", "isApproved"):
        assert field in text


def test_an_invalid_document_is_refused(tmp_path):
    path = tmp_path / "registerBillingReceipts.graphql"
    path.write_text(
        "mutation registerBillingReceipts($data: RegisterBillingReceiptsInput!) {"
        " result: registerBillingReceipts(data: $data) { id volume } }"
    )
    with pytest.raises(DocumentError, match="volume"):
        load_operation(path)


def test_a_document_must_be_named_like_its_file(tmp_path):
    path = tmp_path / "countBillingReceipts.graphql"
    path.write_text("query somethingElse { authenticatedUser { id } }")
    with pytest.raises(DocumentError, match="named countBillingReceipts"):
        load_operation(path)


def test_the_delete_mutation_is_in_the_sdl_but_unused():
    # Condo refuses hard deletes (contract §10): withdrawal goes through updateBillingReceipts.
    assert "deleteBillingReceipts" in project_schema().mutation_type.fields
    assert not any("deleteBillingReceipts" in path.read_text() for path in operation_files())
