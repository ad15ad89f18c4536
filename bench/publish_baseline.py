"""The publishing bench's baseline (bench/publish.py): a plain httpx loop over rows already in memory."""

from __future__ import annotations

from bench.support import ROOT, SandboxProcess, cpu_seconds

CHUNK = 100  # two-service receipts: about 150 fit under 512 KiB as Condo measures it


def plain_loop(*, batch, sandbox: SandboxProcess, context_id: str) -> tuple[float, int]:
    """The baseline: rows already in memory, payload dicts built inline, posted with httpx."""
    import httpx

    from integration.publishing.rows import pending_receipts

    rows = [payload for _, payload in pending_receipts(batch_id=batch.pk, limit=10**9)]
    query = (ROOT / "integration/condo/operations/registerBillingReceipts.graphql").read_text()
    with httpx.Client(timeout=60) as http:
        login = http.post(
            sandbox.url,
            json={
                "query": "mutation($e: String, $p: String) { auth: authenticateUserWithPassword(email: $e, password: $p) { token } }",
                "variables": {"e": sandbox.environment()["CONDO_LOGIN"], "p": sandbox.environment()["CONDO_PASSWORD"]},
            },
        )
        headers = {"Authorization": f"Bearer {login.json()['data']['auth']['token']}"}
        started = cpu_seconds()
        accepted = 0
        for start in range(0, len(rows), CHUNK):
            receipts = [_plain_payload(r) for r in rows[start : start + CHUNK]]
            answer = http.post(
                sandbox.url,
                headers=headers,
                json={
                    "operationName": "registerBillingReceipts",
                    "query": query,
                    "variables": {
                        "data": {
                            "dv": 1,
                            "sender": {"dv": 1, "fingerprint": "bench-plain-loop"},
                            "context": {"id": context_id},
                            "receipts": receipts,
                        }
                    },
                },
            )
            body = answer.json()
            if "data" not in body:
                raise RuntimeError(f"the sandbox refused the plain loop's call: {body.get('errors')}")
            accepted += sum(1 for item in body["data"]["result"] if item)
        return cpu_seconds() - started, accepted


def _plain_payload(r) -> dict:
    money = lambda value: f"{value:.2f}"  # noqa: E731
    return {
        "importId": r.import_id,
        "address": r.address,
        "accountNumber": r.account_number,
        "addressMeta": {"unitName": r.unit_name, "unitType": r.unit_type},
        "accountMeta": {"fullName": r.full_name, **({"ownerType": r.owner_type} if r.owner_type else {})},
        "toPay": money(r.to_pay),
        "toPayDetails": {
            "formula": "charge + balance + recalculation - privilege + penalty - paid",
            "charge": money(r.charge),
            "balance": money(r.balance),
            "recalculation": money(r.recalculation),
            "privilege": money(r.privilege),
            "penalty": money(r.penalty),
            "paid": money(r.paid),
        },
        "services": [
            {
                "id": s.id,
                "name": s.name,
                "toPay": money(s.to_pay),
                "toPayDetails": {
                    "formula": "charge + penalty",
                    "charge": money(s.charge),
                    "balance": money(s.balance),
                    "recalculation": money(s.recalculation),
                    "privilege": money(s.privilege),
                    "penalty": money(s.penalty),
                    "paid": money(s.paid),
                    "volume": str(s.volume),
                    "tariff": str(s.tariff),
                    "measure": s.measure,
                },
            }
            for s in r.services
        ],
        "category": {"id": r.category_id},
        "month": r.period.month,
        "year": r.period.year,
        "tin": r.tin,
        "routingNumber": r.bic,
        "bankAccount": r.bank_account,
    }
