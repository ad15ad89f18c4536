"""Every admin page of ours, as a superuser sees it, in words: no stored codes, no hashes, money as «1 520,40».

The pages are those of the role matrix (tests/security), against its world of one object of every
kind, with the codes a real month stores put where a page could show them: a desk registry's
format code, receipt categories, a service's hash code, statuses of every kind.
"""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import models
from django.urls import reverse

from billing.models import Batch, Receipt, RegistryUpload
from integration.models import ERROR_CLASS_LABELS, OPERATION_LABELS
from tests.factories import CondoCallFactory, ServiceLineFactory
from tests.security.conftest import media_root  # noqa: F401 - a fixture
from tests.security.role_matrix_table import CORE, MATRIX, SU
from tests.security.world import build_world

pytestmark = pytest.mark.django_db

SERVICE_HASH = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
AMOUNT = Decimal("1520.40")  # every batch and receipt of the world
HASH = re.compile(r"\b[0-9a-f]{32,}\b")
# Codes that are English words as well as stored values: shown, they are still codes.
ALLOWED_WORDS = {"ok", "pdf", "auto", "text"}


def stored_codes() -> set[str]:
    """Every value of every choice field of our apps that a person could mistake for nothing."""
    codes = set()
    for model in (*apps.get_app_config("billing").get_models(), *apps.get_app_config("integration").get_models()):
        for field in model._meta.get_fields():
            if isinstance(field, models.Field) and field.choices:
                codes.update(str(value) for value, _ in field.flatchoices if isinstance(value, str))
    return {code for code in codes if re.fullmatch(r"[a-z][a-z_]+", code) and code not in ALLOWED_WORDS}


def visible_text(page: str) -> str:
    """What the browser shows: no scripts, styles, tags or attributes; entities read; spaces collapsed."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<[^>]+>", " ", page)
    return " ".join(html.unescape(page).split())


def pages(world) -> list[str]:
    urls = [reverse(f"admin:{name}", args=args) for name, args in CORE]
    urls.extend(
        reverse(f"admin:{name}", args=row.args(world) if row.args else [])
        for name, rows in MATRIX.items()
        for row in rows
        if row.method == "GET" and row.expect[SU] == 200
    )
    # The batch page in every state the world has, not only the draft's the matrix visits.
    batches = (world.submitted, world.published, world.newer, world.partial, world.failed)
    urls.extend(reverse("admin:billing_batch_change", args=[batch.pk]) for batch in batches)
    return urls


@pytest.fixture
def world(media_root):
    world = build_world(media_root=media_root)
    Batch.objects.update(source_format="desk_excel")
    RegistryUpload.objects.filter(pk=world.upload.pk).update(
        format_code="desk_excel",
        preview={
            "format": "desk_excel",
            "format_label": "Шаблон Excel рабочего места (xlsx, xls, ods)",
            "receipts": 1,
            "total_to_pay": "1520.40",
            "totals_by_service": [{"name": "Отопление", "lines": 1, "to_pay": "1520.40"}],
        },
    )
    assert set(Receipt.objects.values_list("to_pay", flat=True)) == {AMOUNT}  # ReceiptFactory's
    CondoCallFactory(
        batch=world.failed, outcome="error", error_class="permanent", error_code="ACCESS_DENIED", receipts=1
    )
    for receipt in Receipt.objects.all():
        ServiceLineFactory(receipt=receipt, service_id=SERVICE_HASH, name="Отопление", to_pay=AMOUNT, charge=AMOUNT)
    return world


def test_no_page_shows_a_stored_code_a_hash_or_money_written_the_programmers_way(client, world):
    client.force_login(world.user(SU))
    codes = stored_codes()
    assert {"housing", "capital_repair", "partially_published"} <= codes
    codes |= {"desk_excel", *OPERATION_LABELS, *ERROR_CLASS_LABELS}
    import_ids = set(Receipt.objects.values_list("import_id", flat=True))
    seen_money = []
    problems = []
    for url in pages(world):
        response = client.get(url)
        if not response.get("Content-Type", "").startswith("text/html"):
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)
            continue
        assert response.status_code == 200, url
        text = visible_text(response.content.decode())
        for import_id in import_ids:  # Condo's key of a receipt, shown as such, ends in its category code
            text = text.replace(import_id, "")
        words = set(re.findall(r"[A-Za-z_]+", text))
        found = sorted(words & codes)
        found += [code for code in ("Xlsx", "xlsx:", "_housing", "_capital_repair") if code in text]
        found += HASH.findall(text)
        found += [money for money in ("1520.40", "1520,40") if money in text]
        if found:
            problems.append(f"{url}: {found}")
        if "1\xa0520,40" in text or "1 520,40" in text:
            seen_money.append(url)
    assert not problems, "\n".join(problems)
    # The pages that show the world's amounts show them the desk's way (the check above is not vacuous).
    assert reverse("admin:billing_receipt_change", args=[world.receipt.pk]) in seen_money
    assert reverse("admin:billing_batch_change", args=[world.draft.pk]) in seen_money
    assert reverse("admin:integration_reconciliation_change", args=[world.reconciliation.pk]) in seen_money
