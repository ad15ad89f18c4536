"""Receipts encoded once for sizing are spliced into the request body unchanged."""

from __future__ import annotations

import json

import pytest

from integration.condo.jsontext import EncodedArray, compact, dumps


def test_encoded_items_are_spliced_where_the_array_stands():
    receipts = [{"importId": "a", "fullName": "Ёлкина «Анна»"}, {"importId": "b", "toPay": "10.00"}]
    payload = {"query": "q", "variables": {"data": {"receipts": EncodedArray([compact(r) for r in receipts]), "dv": 1}}}
    text = dumps(payload)
    assert json.loads(text) == {"query": "q", "variables": {"data": {"receipts": receipts, "dv": 1}}}
    assert "Ёлкина" in text  # UTF-8 as is, not \\u escapes: the body Condo sizes is the one we sized


def test_a_string_that_looks_like_a_placeholder_is_left_alone():
    payload = {"a": "0" * 32, "b": EncodedArray(['{"x":1}']), "c": EncodedArray([])}
    assert json.loads(dumps(payload)) == {"a": "0" * 32, "b": [{"x": 1}], "c": []}


def test_other_unknown_values_still_fail_loudly():
    with pytest.raises(TypeError, match="set is not JSON serializable"):
        dumps({"a": {1, 2}})
