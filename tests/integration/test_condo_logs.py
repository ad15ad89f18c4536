"""No token, password or full name in the logs; the masking filter as a safety net."""

from __future__ import annotations

import logging

from integration.logmask import MASK, PersonalDataFilter, mask_personal_data
from tests.integration.condo_data import FULL_NAME, make_receipt, make_receipts
from tests.sandbox_fixtures import SANDBOX_CONTEXT_ID, SANDBOX_PASSWORD, sandbox_client

CTX = SANDBOX_CONTEXT_ID


def test_no_secret_or_full_name_reaches_any_log_even_at_debug(condo_sandbox, caplog):
    caplog.set_level(logging.DEBUG)  # every logger, httpx, httpcore and gql included
    named = [make_receipt(1, full_name="Смирнова Ольга Петровна"), *make_receipts(2, start=2)]
    condo_sandbox.faults.reject = {named[2].import_id: "ADDRESS_NOT_RECOGNIZED_VALUE"}
    with sandbox_client(condo_sandbox) as client:
        client.register_receipts(CTX, named)
        condo_sandbox.expire_tokens()
        client.register_receipts(CTX, named)  # re-login: a second password and token in flight
        tokens = {row["token"] for row in condo_sandbox.state.storage.db.execute("SELECT token FROM tokens")}

    text = caplog.text
    assert "condo registerBillingReceipts: receipts=3" in text  # the call log itself is there
    assert SANDBOX_PASSWORD not in text
    assert all(token not in text for token in tokens) and len(tokens) == 2
    assert "Смирнова" not in text and FULL_NAME not in text and "Иванов" not in text


def test_the_call_log_says_what_was_sent(condo_sandbox, caplog):
    caplog.set_level(logging.INFO, logger="integration.condo")
    with sandbox_client(condo_sandbox) as client:
        client.register_receipts(CTX, make_receipts(2))
    line = next(r.getMessage() for r in caplog.records if "registerBillingReceipts" in r.getMessage())
    call = condo_sandbox.calls_of("registerBillingReceipts")[0]
    for part in (
        "receipts=2",
        f"bytes={call.bytes}",
        "attempt=1",
        "outcome=ok",
        f"request_id={call.request_id}",
        "duration_ms=",
    ):
        assert part in line


def test_full_names_are_masked_in_any_form():
    text = mask_personal_data(
        "receipt for Иванов Иван Иванович; Петрова А. С.; Мамедов Эльдар Рашид оглы; "
        '{"fullName": "Сидоров Пётр"}; full_name=Кузнецов'
    )
    for name in ("Иванов", "Петрова", "Мамедов", "Сидоров", "Кузнецов"):
        assert name not in text
    assert text.count(MASK) == 5


def test_secrets_are_masked():
    text = mask_personal_data('Authorization: Bearer abc.DEF-123 {"password": "s3cret", "token": "tok"} secret=xyz')
    assert "abc.DEF-123" not in text and "s3cret" not in text and '"tok"' not in text and "xyz" not in text


def test_addresses_and_service_names_are_left_alone():
    text = "г Москва, ул Тверская, д 7, кв 12: Содержание жилого помещения, Холодное водоснабжение"
    assert mask_personal_data(text) == text


def test_the_filter_rewrites_records_and_their_tracebacks():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed for %s", ("Иванов Иван Иванович",), None)
    try:
        raise ValueError("bad receipt of Петров Пётр Петрович")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    assert PersonalDataFilter().filter(record) is True
    formatted = logging.Formatter().format(record)
    assert "Иванов" not in formatted and "Петров" not in formatted
    assert "failed for" in formatted and "ValueError" in formatted


def test_the_filter_is_installed_on_the_console_handler():
    from django.conf import settings

    assert "personal_data" in settings.LOGGING["handlers"]["console"]["filters"]
    assert settings.LOGGING["filters"]["personal_data"]["()"] == "integration.logmask.PersonalDataFilter"
