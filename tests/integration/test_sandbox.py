"""The sandbox answers like Condo does (shapes, statuses, limits), probed with plain HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.conf import settings

from billing.services.demo import DEMO_CONTEXT_ID
from integration.condo.documents import operations
from integration.condo.payloads import receipt_to_wire
from integration.sandbox import SandboxServer
from tests.integration.condo_data import make_receipt, make_receipts
from tests.integration.sandbox_http import SENDER
from tests.integration.sandbox_http import login as _login
from tests.integration.sandbox_http import post as _post
from tests.integration.sandbox_http import register as _register
from tests.sandbox_fixtures import SANDBOX_CONTEXT_ID, SANDBOX_LOGIN, SANDBOX_PASSWORD

CTX = SANDBOX_CONTEXT_ID


def test_anonymous_publishing_is_unauthenticated(condo_sandbox):
    answer = _register(condo_sandbox, None, [receipt_to_wire(make_receipt())])
    assert answer.status_code == 200
    body = answer.json()
    assert body["data"] == {"result": None}
    assert body["errors"][0]["name"] == "AuthenticationError"
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_a_per_receipt_error_has_condos_shape(condo_sandbox):
    wires = [receipt_to_wire(r) for r in make_receipts(3)]
    wires[1]["month"] = 13
    body = _register(condo_sandbox, _login(condo_sandbox), wires).json()

    assert body["data"]["result"][1] is None and body["data"]["result"][0]["id"]
    (error,) = body["errors"]
    assert error["path"] == ["result", 1] and error["locations"] == [{"line": 2, "column": 3}]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and error["extensions"]["type"] == "WRONG_FORMAT"
    assert error["extensions"]["variable"] == ["data", "receipts", "[]", "month"]
    assert error["extensions"]["inputIndex"] == "1"
    assert error["message"].startswith("Month is wrong")


@pytest.mark.parametrize(
    ("field", "value", "variable"),
    [
        ("year", 25, "year"),
        ("routingNumber", "12345", "bic"),
        ("tin", "12", "tin"),
        ("category", {"id": "00000000-0000-4000-8000-000000000000"}, "category"),
    ],
)
def test_each_stage_rejects_with_its_variable(condo_sandbox, field, value, variable):
    wire = receipt_to_wire(make_receipt())
    wire[field] = value
    body = _register(condo_sandbox, _login(condo_sandbox), [wire]).json()
    assert body["errors"][0]["extensions"]["variable"][-1] == variable


def test_month_zero_is_december_of_the_year_before(condo_sandbox):
    wire = receipt_to_wire(make_receipt())
    wire["month"] = 0
    assert "errors" not in _register(condo_sandbox, _login(condo_sandbox), [wire]).json()
    assert condo_sandbox.receipts(CTX)[0]["period"] == "2024-12-01"


def test_volume_at_receipt_level_breaks_the_save(condo_sandbox):
    wire = receipt_to_wire(make_receipt())
    wire["toPayDetails"]["volume"] = "54.2"
    error = _register(condo_sandbox, _login(condo_sandbox), [wire]).json()["errors"][0]
    assert error["message"].startswith("Unexpected error value")
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"} and error["path"] == ["result", 0]


def test_an_unknown_input_field_fails_the_whole_request(condo_sandbox):
    wire = receipt_to_wire(make_receipt())
    wire["volume"] = "1"
    answer = _register(condo_sandbox, _login(condo_sandbox), [wire])
    assert answer.status_code == 400 and "data" not in answer.json()
    assert answer.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_the_same_import_id_twice_in_one_call_is_one_receipt(condo_sandbox):
    wires = [receipt_to_wire(make_receipt(1)), receipt_to_wire(make_receipt(1, unit_name="99"))]
    result = _register(condo_sandbox, _login(condo_sandbox), wires).json()["data"]["result"]
    assert result[0]["id"] == result[1]["id"]
    assert len(condo_sandbox.receipts(CTX)) == 1


def test_an_invalid_sender_saves_the_receipts_and_still_fails_the_call(condo_sandbox):
    answer = _register(
        condo_sandbox,
        _login(condo_sandbox),
        [receipt_to_wire(make_receipt())],
        sender={"dv": 1, "fingerprint": "bad fingerprint"},
    )
    body = answer.json()
    assert body["data"] == {"result": None} and body["errors"][0]["extensions"]["type"] == "WRONG_FORMAT"
    assert len(condo_sandbox.receipts(CTX)) == 1  # Condo's quirk 6


def test_more_than_1000_receipts_hit_the_limit(condo_sandbox):
    wire = {
        "address": "a",
        "accountNumber": "1",
        "toPay": "1",
        "month": 1,
        "year": 2025,
        "tin": "7701234567",
        "routingNumber": "044525225",
        "bankAccount": "1",
    }
    body = _register(condo_sandbox, _login(condo_sandbox), [wire] * 1001).json()
    assert body["data"] == {"result": None}
    assert body["errors"][0]["extensions"]["variable"] == ["data", "receipts"]
    assert "1000" in body["errors"][0]["message"]


def test_variables_over_512_kib_are_refused_before_parsing(condo_sandbox):
    wires = [receipt_to_wire(make_receipt(n)) for n in range(1, 400)]
    answer = _register(condo_sandbox, _login(condo_sandbox), wires)
    assert answer.status_code == 500 and "data" not in answer.json()
    assert answer.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert answer.json()["errors"][0]["extensions"]["type"] == "VARIABLES_SIZE_EXCEEDED"
    assert condo_sandbox.receipts(CTX) == []


def test_a_long_query_text_is_refused(condo_sandbox):
    query = "query authenticatedUser { user: authenticatedUser { id } }" + " " * 8200
    answer = _post(condo_sandbox, {"query": query})
    assert answer.status_code == 500
    assert answer.json()["errors"][0]["extensions"]["type"] == "ROOT_QUERY_LENGTH_EXCEEDED"


def test_an_invalid_document_is_a_400_validation_error(condo_sandbox):
    answer = _post(condo_sandbox, {"query": "{ allBillingReceipts { volume } }"})
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


@pytest.mark.parametrize("status", [400, 429])
def test_rate_limit_answers_like_condo(condo_sandbox, status):
    token = _login(condo_sandbox)
    condo_sandbox.faults.rate_limit_calls = 1
    condo_sandbox.faults.rate_limit_status = status
    condo_sandbox.faults.rate_limit_reset_seconds = 60
    answer = _register(condo_sandbox, token, [receipt_to_wire(make_receipt())])
    body = answer.json()
    assert answer.status_code == status and "data" not in body
    extensions = body["errors"][0]["extensions"]
    assert (extensions["code"], extensions["type"]) == ("TOO_MANY_REQUESTS", "RATE_LIMIT_EXCEEDED")
    assert extensions["messageInterpolation"]["resetTime"] >= int(time.time()) + 59
    assert ("retry-after" in answer.headers) == (status == 429)
    assert _register(condo_sandbox, token, [receipt_to_wire(make_receipt())]).status_code == 200


def test_hard_delete_is_always_refused(condo_sandbox):
    body = _post(
        condo_sandbox, {"query": 'mutation { deleteBillingReceipts(ids: ["x"]) { id } }'}, _login(condo_sandbox)
    ).json()
    assert body["errors"][0]["name"] == "AccessDeniedError"


def test_the_request_id_is_echoed_and_checked(condo_sandbox):
    query = {"query": operations()["authenticatedUser"].text}
    assert (
        _post(condo_sandbox, query, **{"X-Request-Id": "batch-1/chunk=2+x"}).headers["x-request-id"]
        == "batch-1/chunk=2+x"
    )
    assert _post(condo_sandbox, query, **{"X-Request-Id": "bad id!"}).status_code == 423


def test_batched_operations_get_one_answer_each(condo_sandbox):
    query = {"query": operations()["authenticatedUser"].text}
    answer = _post(condo_sandbox, [query, query], _login(condo_sandbox))
    assert [item["data"]["user"]["type"] for item in answer.json()] == ["service", "service"]


def test_the_phone_login_looks_for_staff_unless_told_otherwise(condo_sandbox):
    condo_sandbox.add_service_user("p@sandbox.test", "phone-pass", phone="+79990000001")
    query = operations()["signinByPhone"].text
    data = {"dv": 1, "sender": SENDER, "phone": "+79990000001", "password": "phone-pass"}
    error = _post(condo_sandbox, {"query": query, "variables": {"data": data}}).json()["errors"][0]
    assert error["extensions"]["type"] == "WRONG_CREDENTIALS"
    body = _post(condo_sandbox, {"query": query, "variables": {"data": {**data, "userType": "service"}}}).json()
    assert body["data"]["auth"]["token"]


def test_the_phone_login_guard_allows_ten_attempts_an_hour(condo_sandbox):
    query = operations()["signinByPhone"].text
    data = {"phone": "+79990000002", "password": "wrong", "userType": "service"}
    types = [
        _post(condo_sandbox, {"query": query, "variables": {"data": data}}).json()["errors"][0]["extensions"]["type"]
        for _ in range(11)
    ]
    assert types[:10] == ["WRONG_CREDENTIALS"] * 10 and types[10] == "TOO_MANY_REQUESTS"


def test_http_500_every_nth_call_ignores_logins(condo_sandbox):
    condo_sandbox.faults.error_every_nth = 2
    token = _login(condo_sandbox)
    statuses = [
        _post(condo_sandbox, {"query": operations()["authenticatedUser"].text}, token).status_code for _ in range(4)
    ]
    assert statuses == [200, 500, 200, 500]


def test_the_state_survives_a_restart_when_kept_in_a_file(tmp_path):
    path = tmp_path / "sandbox.sqlite3"
    with SandboxServer(db_path=path) as server:
        server.add_service_user(SANDBOX_LOGIN, SANDBOX_PASSWORD)
        server.add_context(CTX)
        token = _login(server)
        _register(server, token, [receipt_to_wire(make_receipt())])
    with SandboxServer(db_path=path) as server:
        assert len(server.receipts(CTX)) == 1
        assert "errors" not in _register(server, token, [receipt_to_wire(make_receipt(2))]).json()
        assert server.context_state(CTX)["last_report"]


def test_the_management_command_serves_the_demo_context(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "CONDO_LOGIN": "demo@sandbox.test", "CONDO_PASSWORD": "demo-password", "DEBUG": "true"}
    command = [sys.executable, "manage.py", "condo_sandbox", "--port", str(port), "--db", str(tmp_path / "s.sqlite3")]
    process = subprocess.Popen(
        command,
        cwd=Path(settings.BASE_DIR),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # Started as a shell's background job is: SIGINT ignored, inherited. Ctrl-C must still stop it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        url = f"http://127.0.0.1:{port}/admin/api"
        for _ in range(100):
            try:
                signin = {
                    "query": operations()["signin"].text,
                    "variables": {"identity": "demo@sandbox.test", "secret": "demo-password"},
                }
                token = httpx.post(url, json=signin, timeout=2).json()["data"]["auth"]["token"]
                break
            except httpx.TransportError:
                time.sleep(0.1)
        where = {"where": {"context": {"id": DEMO_CONTEXT_ID}}}
        count = httpx.post(
            url,
            json={"query": operations()["countBillingReceipts"].text, "variables": where},
            headers={"Authorization": f"Bearer {token}"},
            timeout=2,
        ).json()
        assert count == {"data": {"meta": {"count": 0}}}
    finally:
        process.send_signal(signal.SIGINT)
        output = process.communicate(timeout=15)[0]
    assert f"127.0.0.1:{port}/admin/api" in output and DEMO_CONTEXT_ID in output
    assert "demo-password" not in output
    assert process.returncode == 0, output[-2000:]


def test_every_injected_rejection_is_a_known_condo_error(condo_sandbox):
    from integration.sandbox import REJECTIONS

    receipts = make_receipts(len(REJECTIONS))
    condo_sandbox.faults.reject = {r.import_id: key for r, key in zip(receipts, REJECTIONS)}
    body = _register(condo_sandbox, _login(condo_sandbox), [receipt_to_wire(r) for r in receipts]).json()
    assert body["data"]["result"] == [None] * len(REJECTIONS)
    assert sorted(e["path"][1] for e in body["errors"]) == list(range(len(REJECTIONS)))
    json.dumps(body)  # plain JSON all the way down
