"""«Проверка перед утверждением» on the batch page: above the approve button, examples, the workbook, a re-run."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from billing.models import Batch, BatchCheck
from billing.services.checks import batch_check_request
from integration.checking.run import batch_check_run
from tests.factories import UserFactory
from tests.integration.checking.conftest import month_with

pytestmark = pytest.mark.django_db
FORMULA = '=HYPERLINK("http://evil.example","<b>ул Ленина</b>")'


@pytest.fixture
def checked(last_month):
    """The month's batch with one rule violation and a hostile address on its new account, checked."""
    month = month_with({0: {"unit_name": ""}, 3: {"address": FORMULA}})  # 0: not sendable, no unit
    check = batch_check_request(batch=month, by=None)
    batch_check_run(check_id=check.pk)
    return month


def page(batch: Batch) -> str:
    return reverse("admin:billing_batch_change", args=[batch.pk])


def test_the_approver_sees_the_check_above_the_approve_button_and_why_it_blocks(client, checked):
    client.force_login(UserFactory(role="Утверждающий"))
    html = client.get(page(checked)).content.decode()

    panel = html.index('id="batch-check"')
    assert panel < html.index(reverse("admin:billing_batch_approve", args=[checked.pk]))
    assert "Нарушений правил Condo: 1 в 1 квитанции" in html and "поэтому пакет нельзя утвердить" in html
    assert "00000001" in html[panel:]
    assert (
        "Новые для Condo счета</th><td>1" in html
        and "Исчезли из реестра (были в Condo в прошлом месяце)</th><td>1" in html
    )
    assert "«3Б», в Condo «3»" in html
    assert "<b>ул Ленина</b>" not in html and "&lt;b&gt;ул Ленина&lt;/b&gt;" in html


def test_the_workbook_holds_every_finding_as_text(client, checked):
    client.force_login(UserFactory(role="Бухгалтер"))
    check = BatchCheck.objects.get(batch=checked)
    response = client.get(reverse("admin:billing_batch_check_report", args=[checked.pk, check.pk]))

    assert response.status_code == 200
    book = load_workbook(BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == [
        "Нарушения правил",
        "Новые для Condo",
        "Исчезли из реестра",
        "Адрес или помещение",
        "Итоги",
    ]
    (problem,) = list(book["Нарушения правил"].iter_rows(min_row=2, values_only=True))
    assert problem[0] == "00000001" and problem[2] == check.examples["problems"][0]["code"]
    (new,) = list(book["Новые для Condo"].iter_rows(min_row=2))
    assert new[1].value == FORMULA and new[1].data_type == "s"  # text, never a formula
    changed = [tuple(cell.value for cell in row) for row in book["Адрес или помещение"].iter_rows(min_row=2)]
    assert ("00000003", "Помещение", "3Б", "3") in changed
    assert ("00000002", "Адрес дома", "г Москва, ул Тверская, д 9", "г Москва, ул Тверская, д 7") in changed


def test_check_again_runs_a_new_check_through_the_queue(client, month, django_capture_on_commit_callbacks):
    client.force_login(UserFactory(role="Бухгалтер"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:billing_batch_check", args=[month.pk]))

    assert response.status_code == 302 and response.url.endswith("#batch-check")
    (check,) = BatchCheck.objects.filter(batch=month)
    assert check.status == BatchCheck.Status.DONE and check.accounts_changed == 2
    assert "Нарушений правил Condo нет" in client.get(page(month)).content.decode()


def test_a_check_still_running_is_shown_and_the_page_reloads(client, month):
    batch_check_request(batch=month, by=None)
    client.force_login(UserFactory(role="Утверждающий"))
    html = client.get(page(month)).content.decode()
    assert 'id="check-working"' in html and "location.reload" in html
    assert "Пока пакет нельзя утвердить. Проверка перед утверждением ещё идёт" in html


def test_staff_without_a_role_may_neither_download_nor_run_it(client, checked):
    client.force_login(UserFactory(username="no-role"))
    check = BatchCheck.objects.get(batch=checked)
    assert client.get(reverse("admin:billing_batch_check_report", args=[checked.pk, check.pk])).status_code == 403
    assert client.post(reverse("admin:billing_batch_check", args=[checked.pk])).status_code == 403
    assert BatchCheck.objects.filter(batch=checked).count() == 1


def test_the_nightly_cleanup_forgets_replaced_checks_with_their_workbooks(checked, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone
    from django_q.tasks import async_task

    old = BatchCheck.objects.get(batch=checked)
    newest = batch_check_request(batch=checked, by=None)
    batch_check_run(check_id=newest.pk)
    BatchCheck.objects.filter(pk__in=[old.pk, newest.pk]).update(created_at=timezone.now() - timedelta(days=5))
    BatchCheck.objects.filter(pk=newest.pk).update(created_at=timezone.now() - timedelta(days=4))
    storage, name = old.report.storage, old.report.name
    assert storage.exists(name)

    async_task("billing.tasks.nightly_cleanup")  # the scheduled task, run by django-q2 (sync in tests)

    assert list(BatchCheck.objects.filter(batch=checked)) == [BatchCheck.objects.get(pk=newest.pk)]
    assert not storage.exists(name) and newest.report.storage.exists(BatchCheck.objects.get(pk=newest.pk).report.name)
