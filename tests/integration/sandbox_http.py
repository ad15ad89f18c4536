"""Plain HTTP to the sandbox, for tests that look at Condo's answers as they are on the wire."""

from __future__ import annotations

import httpx

from integration.condo.documents import operations
from tests.sandbox_fixtures import SANDBOX_CONTEXT_ID, SANDBOX_LOGIN, SANDBOX_PASSWORD

SENDER = {"dv": 1, "fingerprint": "test-publisher"}


def login(server) -> str:
    answer = post(
        server,
        {"query": operations()["signin"].text, "variables": {"identity": SANDBOX_LOGIN, "secret": SANDBOX_PASSWORD}},
    )
    return answer.json()["data"]["auth"]["token"]


def post(server, body, token=None, **headers) -> httpx.Response:
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.post(server.url, json=body, headers=headers, timeout=10)


def register(server, token, wires, context_id: str = SANDBOX_CONTEXT_ID, **data) -> httpx.Response:
    variables = {"data": {"dv": 1, "sender": SENDER, "context": {"id": context_id}, "receipts": wires, **data}}
    return post(
        server,
        {
            "operationName": "registerBillingReceipts",
            "query": operations()["registerBillingReceipts"].text,
            "variables": variables,
        },
        token,
    )


def query(server, token, text: str, variables: dict | None = None) -> dict:
    return post(server, {"query": text, "variables": variables or {}}, token).json()
