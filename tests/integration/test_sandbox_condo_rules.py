"""The sandbox keeps Condo's resolver rules (contract section 13), probed over HTTP.

Each test names the Condo source file whose behaviour it pins; the rules themselves are
integration/condo/rules.py, which the sandbox and the check before approval share.
"""

from __future__ import annotations

from decimal import Decimal

from integration.condo.documents import operations
from integration.condo.payloads import receipt_to_wire
from integration.condo.sizing import VARIABLES_LIMIT, variables_size
from tests.integration.condo_data import make_receipt, make_receipts, make_service
from tests.integration.sandbox_http import SENDER, login, query, register
from tests.sandbox_fixtures import SANDBOX_CONTEXT_ID

CTX = SANDBOX_CONTEXT_ID
UPDATE_MANY = operations()["updateBillingReceipts"].text
UPDATE_ONE = (
    "mutation updateBillingReceipt($id: ID!, $data: BillingReceiptUpdateInput) {"
    " result: updateBillingReceipt(id: $id, data: $data) { id deletedAt } }"
)
READ = (
    "query r($where: BillingReceiptWhereInput) { objs: allBillingReceipts(where: $where, first: 100) {"
    " id importId toPay invalidServicesError receiver { id tin isApproved } deletedAt } }"
)
DELETE = {"dv": 1, "sender": SENDER, "deletedAt": "true"}


def _ids(server, token, wires) -> list[str]:
    body = register(server, token, wires).json()
    assert "errors" not in body, body
    return [row["id"] for row in body["data"]["result"]]


def _withdraw(server, token, ids) -> dict:
    return query(server, token, UPDATE_MANY, {"data": [{"id": condo_id, "data": DELETE} for condo_id in ids]})


# --- 13.1 ------------------------------------------------------------------------------------------


def test_bulk_withdrawal_with_a_deleted_unknown_or_repeated_id_is_denied_whole(condo_sandbox):
    """apps/condo/domains/billing/utils/accessSchema.js canManageBillingEntityWithContext, through
    @open-keystone/keystone updateManyMutation: every id of the call goes to the access check."""
    token = login(condo_sandbox)
    first, second, third = _ids(condo_sandbox, token, [receipt_to_wire(r) for r in make_receipts(3)])
    assert _withdraw(condo_sandbox, token, [first])["data"]["result"][0]["deletedAt"]

    for ids in ([first, second], [second, "00000000-0000-4000-8000-00000000dead"], [second, third, second]):
        body = _withdraw(condo_sandbox, token, ids)
        assert body["data"] == {"result": None}
        (error,) = body["errors"]
        assert (error["message"], error["name"], error["path"]) == (
            "You do not have access to this resource",
            "AccessDeniedError",
            ["result"],
        )
        assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR" and "messageForDeveloper" in error["extensions"]
        assert error["data"] == {"type": "mutation", "target": "updateBillingReceipts"}
        assert "Already deleted" not in str(body)
    # Nothing was written by the denied calls.
    live = {r["id"] for r in condo_sandbox.receipts(CTX) if not r["deletedAt"]}
    assert live == {second, third}


def test_one_deleted_receipt_updated_alone_is_already_deleted(condo_sandbox):
    """packages/keystone/plugins/softDeleted.js: getById sees deleted rows, resolveInput refuses them."""
    token = login(condo_sandbox)
    (receipt_id,) = _ids(condo_sandbox, token, [receipt_to_wire(make_receipt())])
    condo_sandbox.delete_receipt(receipt_id)  # as in Condo's UI
    body = query(condo_sandbox, token, UPDATE_ONE, {"id": receipt_id, "data": DELETE})
    assert body["data"] == {"result": None}
    assert body["errors"][0]["message"] == "Already deleted"
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"


# --- 13.2 ------------------------------------------------------------------------------------------


def _paid_wire(services_total: str, *, number: int = 1) -> dict:
    wire = receipt_to_wire(make_receipt(number, to_pay=Decimal("900.00"), paid=Decimal("100.00")))
    wire["services"] = [{"name": "Отопление", "toPay": services_total}]
    return wire


def test_invalid_services_error_compares_services_with_to_pay_plus_paid(condo_sandbox):
    """apps/condo/domains/billing/schema/BillingReceipt.js, the virtual invalidServicesError."""
    token = login(condo_sandbox)
    body = register(condo_sandbox, token, [_paid_wire("900.00"), _paid_wire("1000.00", number=2)]).json()
    flagged, fine = body["data"]["result"]
    assert flagged["invalidServicesError"] == "Services sum (900) does not add up to the toPay (900) amount correctly"
    assert fine["invalidServicesError"] is None


def test_a_later_to_pay_details_without_paid_keeps_the_paid_column(condo_sandbox):
    """BillingReceipt.js resolveInput copies only the keys toPayDetails has into the columns."""
    token = login(condo_sandbox)
    register(condo_sandbox, token, [_paid_wire("1000.00")])
    again = _paid_wire("1000.00")
    del again["toPayDetails"]["paid"]
    (result,) = register(condo_sandbox, token, [again]).json()["data"]["result"]
    assert result["invalidServicesError"] is None  # paid 100 is still there: 900 + 100 = 1000


def test_an_amount_big_js_cannot_read_fails_the_field_only(condo_sandbox, condo_client):
    """BillingReceipt.js reads services with big.js; Services.js only checks they are strings."""
    token = login(condo_sandbox)
    body = register(condo_sandbox, token, [_paid_wire("12,50")]).json()
    assert body["data"]["result"][0]["id"]  # saved all the same
    assert body["errors"][0]["path"] == ["result", 0, "invalidServicesError"]
    assert body["errors"][0]["message"] == "[big.js] Invalid number"
    read = query(condo_sandbox, token, READ, {"where": {"context": {"id": CTX}}})
    assert read["data"]["objs"][0]["invalidServicesError"] is None
    assert read["errors"][0]["path"] == ["objs", 0, "invalidServicesError"]


# --- 13.3 ------------------------------------------------------------------------------------------


def test_the_variables_limit_is_object_sizeof_and_strictly_greater_fails(condo_sandbox):
    """packages/keystone/apolloServerPlugins/requestLimiting/{size.utils,plugin}.js (object-sizeof 2.6.5)."""
    token = login(condo_sandbox)
    wire = receipt_to_wire(make_receipt())
    variables = {"data": {"dv": 1, "sender": SENDER, "context": {"id": CTX}, "receipts": [wire]}}
    wire["raw"] = ""
    room = VARIABLES_LIMIT - variables_size(variables)
    wire["raw"] = "ж" * room  # 12 + 4·⌈L/4⌉: exactly at the limit
    assert variables_size(variables) == VARIABLES_LIMIT
    assert register(condo_sandbox, token, [wire]).status_code == 200
    wire["raw"] += "ж"
    answer = register(condo_sandbox, token, [wire])
    assert answer.status_code == 500
    assert answer.json()["errors"][0]["extensions"]["type"] == "VARIABLES_SIZE_EXCEEDED"


# --- 13.4 ------------------------------------------------------------------------------------------


def test_without_both_unit_fields_condo_cuts_the_address_itself(condo_sandbox):
    """apps/condo/domains/billing/schema/resolvers/propertyResolver.js getAddressFromReceipt and
    packages/clients/address-service-client/utils/parseAddressesFromString.js."""
    token = login(condo_sandbox)
    house = receipt_to_wire(make_receipt(1, address="г Москва, ул Тверская, д 9"))
    del house["addressMeta"]
    building = receipt_to_wire(make_receipt(2, address="г Москва, ул Тверская, д 7, стр 1"))
    building["addressMeta"] = {"unitType": "flat"}
    kept = receipt_to_wire(make_receipt(3, address="г Москва, ул Тверская, д 7, стр 1", unit_name="5"))
    register(condo_sandbox, token, [house, building, kept])
    stored = {r["importId"]: r for r in condo_sandbox.receipts(CTX)}

    invented = stored[house["importId"]]
    assert invented["property"]["address"] == "г Москва, ул Тверская, д 9"
    assert (invented["account"]["unitType"], invented["account"]["unitName"]) == ("flat", "1")
    cut = stored[building["importId"]]
    assert cut["property"]["address"] == "г Москва, ул Тверская, д 7"
    assert cut["account"]["unitName"] == "стр 1"
    intact = stored[kept["importId"]]
    assert intact["property"]["address"] == "г Москва, ул Тверская, д 7, стр 1"
    assert intact["account"]["unitName"] == "5"


# --- 13.5 ------------------------------------------------------------------------------------------


def test_a_recipient_is_approved_by_the_organizations_tin_or_an_approved_bank_account(condo_sandbox):
    """apps/condo/domains/billing/schema/BillingRecipient.js isApproved; BankAccount.isApproved is
    set by support only (apps/condo/domains/banking/access/BankAccount.js)."""
    condo_sandbox.add_context(CTX, organization_tin="7701234567")
    token = login(condo_sandbox)
    own = receipt_to_wire(make_receipt(1))
    other = receipt_to_wire(make_receipt(2, tin="7709999990", bank_account="40702810000000000099"))
    own_result, other_result = register(condo_sandbox, token, [own, other]).json()["data"]["result"]
    assert own_result["receiver"] == {"isApproved": True} and other_result["receiver"] == {"isApproved": False}

    condo_sandbox.add_bank_account(CTX, bic="044525225", number="40702810000000000099")
    read = query(condo_sandbox, token, READ, {"where": {"importId": other["importId"]}})["data"]["objs"]
    assert read[0]["receiver"]["isApproved"] is True  # virtual: computed on every read


# --- 13.6 ------------------------------------------------------------------------------------------


def test_the_owner_type_is_guessed_from_the_name_only_when_none_is_sent(condo_sandbox):
    """apps/condo/domains/billing/schema/resolvers/accountResolver.js and utils.js isPerson."""
    token = login(condo_sandbox)
    wires = [
        receipt_to_wire(make_receipt(n, full_name=name, owner_type=owner))
        for n, name, owner in (
            (1, 'ООО "Ромашка"', ""),
            (2, "Петрова Анна", ""),
            (3, "иванов иван", ""),
            (4, 'ООО "Ромашка"', "person"),
            (5, "", ""),
        )
    ]
    register(condo_sandbox, token, wires)
    owners = {r["account"]["number"]: r["account"]["ownerType"] for r in condo_sandbox.receipts(CTX)}
    assert owners == {
        "0000000001": "company",
        "0000000002": "person",
        "0000000003": "company",
        "0000000004": "person",
        "0000000005": "person",
    }  # no name: the field's default
    company = receipt_to_wire(make_receipt(5, full_name="", owner_type="company"))
    register(condo_sandbox, token, [company])
    unnamed = receipt_to_wire(make_receipt(5, full_name="", owner_type=""))
    register(condo_sandbox, token, [unnamed])  # without a name and a type: not written, kept
    assert condo_sandbox.receipt(CTX, unnamed["importId"])["account"]["ownerType"] == "company"


# --- 13.7 ------------------------------------------------------------------------------------------


def test_the_last_call_wins_whatever_its_batch(condo_sandbox, condo_client):
    """apps/condo/domains/billing/schema/resolvers/receiptResolver.js: matched by (context, importId)
    among live receipts; nothing in the input orders calls."""
    older, newer = make_receipt(1, to_pay=Decimal("1200.40")), make_receipt(1, to_pay=Decimal("1500.00"))
    for receipt in (older, newer, older):  # an automatic retry of the older batch after the newer one
        condo_client.register_receipts(CTX, [receipt])
    stored = condo_sandbox.receipt(CTX, older.import_id)
    assert stored["toPay"] == "1200.40000000" and stored["v"] == 3


# --- 13.8 ------------------------------------------------------------------------------------------


def test_the_first_receipt_of_a_call_decides_the_bank_accounts_recipient(condo_sandbox):
    """apps/condo/domains/billing/schema/resolvers/recipientResolver.js resolves each bank account once."""
    token = login(condo_sandbox)
    first = receipt_to_wire(make_receipt(1, tin="7701234567"))
    second = receipt_to_wire(make_receipt(2, tin="7709999990"))  # same bank account, another TIN
    register(condo_sandbox, token, [first, second])
    stored = {r["importId"]: r["receiver"] for r in condo_sandbox.receipts(CTX)}
    assert stored[first["importId"]] == stored[second["importId"]]
    assert stored[second["importId"]]["tin"] == "7701234567"

    register(condo_sandbox, token, [receipt_to_wire(make_receipt(2, tin="7709999990"))])  # flips it
    assert condo_sandbox.receipt(CTX, first["importId"])["receiver"]["tin"] == "7709999990"


# --- 13.9 ------------------------------------------------------------------------------------------


def test_a_save_failure_quotes_the_receipt_and_the_client_masks_it(condo_sandbox, condo_client):
    """apps/condo/domains/billing/schema/resolvers/receiptResolver.js and RegisterBillingReceiptsService.js:
    the working object is rejected and graphql 16 prints it."""
    receipt = make_receipt(1, services=(make_service(1), make_service(2, name="ХВС")), to_pay=Decimal("2400.80"))
    condo_sandbox.faults.reject = {receipt.import_id: "RECEIPT_SAVE_FAILED"}
    body = register(condo_sandbox, login(condo_sandbox), [receipt_to_wire(receipt)]).json()
    message = body["errors"][0]["message"]
    assert message.startswith(f'Unexpected error value: {{ importId: "{receipt.import_id}", address: ')
    assert 'fullName: "Иванов Иван Иванович"' in message and "services: [[Object], [Object]]" in message
    assert "type" not in body["errors"][0]["extensions"]

    (outcome,) = condo_client.register_receipts(CTX, [receipt])
    assert not outcome.accepted and outcome.error.code == "RECEIPT_SAVE_FAILED" and not outcome.error.retryable
    assert "Иванов" not in outcome.error.message and receipt.import_id not in outcome.error.message
