"""Run one check before approval: every receipt through Condo's rules, then the accounts against Condo.

The rules part reads the batch's receipts (all of them, whatever their state) in slices, builds
each document exactly as the publisher sends it (`rows.batch_receipts`, `payloads.receipt_json`)
and hands each call's worth of documents to `integration.condo.rules.document_problems`, the one
implementation the sandbox applies too. It needs no Condo, so it always runs.

The Condo part asks Condo for the context's accounts and last month's receipts. When Condo cannot
be asked (no context, unreachable, refused), the check still finishes: `condo_error` says why,
and approval goes by the rules part alone (billing.services.checks).
"""

from __future__ import annotations

import json
import logging
import tempfile
from dataclasses import dataclass

from django.conf import settings

from billing.models import Batch, BatchCheck
from billing.services.checks import CheckOutcome, batch_check_claim, batch_check_fail, batch_check_finish
from integration.checking.accounts import RegistryAccounts, compare_with_condo
from integration.checking.findings import Findings
from integration.checking.report import CheckWorkbook
from integration.condo import CondoClient, CondoError
from integration.condo.payloads import PayloadError, receipt_json
from integration.condo.rules import document_problems
from integration.publishing.recorder import CallRecorder
from integration.publishing.rows import batch_receipts

logger = logging.getLogger(__name__)


@dataclass
class CheckRun:
    check: BatchCheck
    findings: Findings


def batch_check_run(*, check_id: int, keep_all: bool = False, client: CondoClient | None = None) -> CheckRun | None:
    """Claim the queued check and run it; None when another worker has it. Safe to call twice.

    `keep_all` keeps every finding in memory as well (for `check_batch --json`); the stored row
    keeps counts and a few examples, the workbook keeps everything.
    """
    check = batch_check_claim(check_id=check_id)
    if check is None:
        return None
    try:
        workbook = CheckWorkbook()
        findings = Findings(sink=workbook, keep_all=keep_all)
        outcome = CheckOutcome()
        ours = _rules_part(check.batch, findings, outcome)
        _condo_part(check.batch, ours, findings, outcome, client)
        outcome.problems_count = findings.counts["problems"]
        outcome.accounts_new = findings.counts["new"]
        outcome.accounts_missing = findings.counts["missing"]
        outcome.accounts_changed = findings.counts["changed"]
        outcome.examples = findings.examples_json()
        with tempfile.TemporaryFile(suffix=".xlsx") as out:
            workbook.save(check=check, outcome=outcome, out=out)
            out.seek(0)
            check = batch_check_finish(check=check, outcome=outcome, report=out)
    except Exception:
        logger.exception("batch %s: check %s failed", check.batch_id, check_id)
        batch_check_fail(check_id=check_id, message="внутренняя ошибка проверки, подробности в журнале сервера")
        raise
    logger.info(
        "batch %s: check %s done: %s receipts, %s rule problems, condo checked: %s",
        check.batch_id,
        check_id,
        outcome.receipts_checked,
        outcome.problems_count,
        outcome.condo_checked,
    )
    return CheckRun(check=check, findings=findings)


def _rules_part(batch: Batch, findings: Findings, outcome: CheckOutcome) -> RegistryAccounts:
    ours = RegistryAccounts()
    after_id = 0
    call_size = max(settings.CONDO_CHUNK_SIZE, 1)
    while True:
        rows = batch_receipts(batch_id=batch.pk, limit=settings.PUBLISH_READ_SIZE, after_id=after_id)
        if not rows:
            return ours
        after_id = rows[-1][0]
        # One call's worth at a time, as the publisher sends them: some rules look across a call.
        for start in range(0, len(rows), call_size):
            documents: list[dict] = []
            receipts = [receipt for _, receipt in rows[start : start + call_size]]
            for receipt in receipts:
                outcome.receipts_checked += 1
                try:
                    document = json.loads(receipt_json(receipt))
                except PayloadError as error:
                    # The publisher refuses these itself before any call.
                    _problem(
                        findings,
                        outcome,
                        receipt.account_number,
                        receipt.import_id,
                        error.code,
                        f"Квитанция не будет отправлена: {error}",
                        first=True,
                    )
                    ours.add(receipt, None)
                    continue
                documents.append(document)
                ours.add(receipt, document)
            flagged: set[int] = set()
            for problem in document_problems(documents):
                _problem(
                    findings,
                    outcome,
                    problem.account,
                    problem.import_id,
                    problem.code,
                    problem.message,
                    first=problem.index not in flagged,
                )
                flagged.add(problem.index)


def _problem(
    findings: Findings, outcome: CheckOutcome, account: str, import_id: str, code: str, message: str, *, first: bool
) -> None:
    if first:
        outcome.receipts_with_problems += 1
    findings.add("problems", {"account": account, "import_id": import_id, "code": code, "message": message})


def _condo_part(
    batch: Batch, ours: RegistryAccounts, findings: Findings, outcome: CheckOutcome, client: CondoClient | None
) -> None:

    context_id = batch.organization.condo_context_id
    if not context_id:
        outcome.condo_error = "у организации не указан ID контекста биллинга в Condo"
        return
    own_client = client is None
    try:
        client = client or CondoClient.from_settings(on_call=CallRecorder(batch_id=batch.pk))
        try:
            side = compare_with_condo(
                client=client, context_id=context_id, period=batch.period, ours=ours, findings=findings
            )
        finally:
            if own_client:
                client.close()
    except CondoError as error:
        # Findings of this part are only reported once both lists were read whole: nothing half-compared.
        logger.warning("batch %s: check could not read Condo: %s", batch.pk, error)
        outcome.condo_error = f"Condo не ответил ({error.code or 'ошибка'}): {error}"
        return
    outcome.condo_checked = True
    outcome.condo_accounts = side.accounts
    outcome.previous_receipts = side.previous_receipts
