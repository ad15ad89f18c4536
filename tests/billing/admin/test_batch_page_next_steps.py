"""The batch page says what comes next: the rejection banner, a failed batch's fix, cancelling."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.errors import ApplicationError
from billing.models import Batch, BatchTransition
from billing.services.batches import batch_cancel, batch_reject
from tests.factories import BatchFactory, CondoCallFactory, ReconciliationFactory

Status = Batch.Status
pytestmark = pytest.mark.django_db


def page(batch):
    return reverse("admin:billing_batch_change", args=[batch.pk])


def test_a_rejected_batch_shows_the_reason_and_the_next_step_at_the_top(login, accountant, approver):
    batch = BatchFactory(status=Status.SUBMITTED, created_by=accountant, submitted_by=accountant)
    batch_reject(batch=batch, by=approver, reason="В доме 7 нет капремонта")

    html = login(accountant).get(page(batch)).content.decode()
    banner = html[html.index('id="rejected-banner"') :]
    assert html.index('id="rejected-banner"') < html.index('id="batch-history"')
    assert "В доме 7 нет капремонта" in banner and "approver-1" in banner
    upload = (
        f"{reverse('admin:billing_batch_import')}?organization={batch.organization_id}&amp;period={batch.period:%Y-%m}"
    )
    assert upload in banner and "Загрузить исправленный реестр" in banner


def test_the_upload_form_keeps_the_organization_and_month_of_the_link(login, accountant):
    batch = BatchFactory(status=Status.REJECTED)
    url = f"{reverse('admin:billing_batch_import')}?organization={batch.organization_id}&period=2025-03"
    form = login(accountant).get(url).context["form"]
    assert form.initial["organization"] == batch.organization_id
    assert form.initial["period"].isoformat() == "2025-03-01"
    assert login(accountant).get(f"{reverse('admin:billing_batch_import')}?period=март").status_code == 200


def test_a_failed_batch_offers_publish_again_among_its_actions_and_says_what_to_fix(login, approver):
    batch = BatchFactory(status=Status.FAILED, last_error="Condo отказал в доступе: контекст биллинга не найден")
    CondoCallFactory(
        batch=batch, outcome="error", error_class="permanent", error_code="ACCESS_DENIED", receipts=1, bytes=10
    )
    html = login(approver).get(page(batch)).content.decode()
    actions = html[html.index('id="batch-actions"') : html.index('id="batch-publishing"')]
    assert "Опубликовать снова" in actions and "нет доступных действий" not in html
    advice = html[html.index('id="failure-advice"') :]
    assert "Finished" in advice and batch.organization.condo_context_id in advice
    assert reverse("admin:billing_organization_change", args=[batch.organization_id]) in advice
    assert "не в статусе Finished" not in advice


def test_an_accountant_cancels_a_draft_with_a_reason(login, accountant):
    batch = BatchFactory(status=Status.DRAFT, created_by=accountant)
    url = reverse("admin:billing_batch_cancel_batch", args=[batch.pk])
    assert url in login(accountant).get(page(batch)).content.decode()

    login(accountant).post(url, {"reason": ""})
    assert Batch.objects.get(pk=batch.pk).status == Status.DRAFT
    login(accountant).post(url, {"reason": "Загружен не тот файл"})
    assert Batch.objects.get(pk=batch.pk).status == Status.CANCELLED
    transition = BatchTransition.objects.get(batch=batch)
    assert (transition.source, transition.target, transition.reason) == ("draft", "cancelled", "Загружен не тот файл")


def test_a_failed_batch_is_cancelled_by_an_approver_only_while_condo_holds_none_of_it(approver, accountant):
    empty = BatchFactory(status=Status.FAILED, receipts_count=2)
    with pytest.raises(ApplicationError):
        batch_cancel(batch=empty, by=accountant, reason="не нужен")
    assert batch_cancel(batch=empty, by=approver, reason="Месяц переделан").status == Status.CANCELLED

    half = BatchFactory(status=Status.FAILED, receipts_count=2, accepted_count=1)
    with pytest.raises(ApplicationError, match="отзовите"):
        batch_cancel(batch=half, by=approver, reason="не нужен")
    assert Batch.objects.get(pk=half.pk).status == Status.FAILED


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.PUBLISHED, Status.REJECTED])
def test_other_states_cannot_be_cancelled(approver, status):
    batch = BatchFactory(status=status)
    with pytest.raises(ApplicationError):
        batch_cancel(batch=batch, by=approver, reason="нет")


def _reconciled(batch, extra):
    return ReconciliationFactory(
        batch=batch,
        batch_receipts=3,
        condo_receipts=3 + extra,
        batch_total=Decimal("3"),
        condo_total=Decimal("5"),
        extra_in_condo=extra,
    )


def test_extra_receipts_in_condo_come_with_the_next_step(login, approver):
    old = BatchFactory(status=Status.PUBLISHED)
    new = BatchFactory(status=Status.PUBLISHED, organization=old.organization, period=old.period)
    _reconciled(new, extra=2)
    html = login(approver).get(page(new)).content.decode()
    step = html[html.index('id="extra-next-step"') :]
    assert f"пакета №{old.pk}" in step
    assert reverse("admin:billing_batch_replace_confirm", args=[new.pk]) in step

    alone = BatchFactory(status=Status.PUBLISHED)
    _reconciled(alone, extra=2)
    step = login(approver).get(page(alone)).content.decode()
    assert "исправленный реестр без них" in step[step.index('id="extra-next-step"') :]
    consistent = BatchFactory(status=Status.PUBLISHED)
    _reconciled(consistent, extra=0)
    assert 'id="extra-next-step"' not in login(approver).get(page(consistent)).content.decode()


def _upload(accountant, of, **fields):
    from billing.models import RegistryUpload

    return RegistryUpload.objects.create(
        organization=of.organization,
        period=of.period,
        format_code="auto",
        source_name="реестр.xlsx",
        uploaded_by=accountant,
        **fields,
    )


def _checked_upload(accountant, compared_with, *, receipts: int, total_to_pay: str, **anomalies):
    """A registry checked and waiting to be confirmed, compared with the published batch `compared_with`.

    `receipts` counts its rows, accounts, receipts and service lines alike; `anomalies` are what the
    comparison found (against a 50 % threshold).
    """
    from billing.models import RegistryUpload

    counts = dict.fromkeys(("accounts", "receipts", "rows", "service_lines"), receipts)
    return _upload(
        accountant,
        compared_with,
        status=RegistryUpload.Status.READY,
        preview={
            **counts,
            "total_to_pay": total_to_pay,
            "anomalies": {"previous_batch_id": compared_with.pk, "threshold_percent": "50", **anomalies},
        },
    )


def test_after_confirming_the_status_page_lands_on_the_new_batch(login, accountant):
    from billing.models import RegistryUpload

    batch = BatchFactory(created_by=accountant)
    upload = _upload(accountant, batch, status=RegistryUpload.Status.DONE, batch=batch)
    response = login(accountant).get(reverse("admin:billing_batch_import_status", args=[upload.token]), follow=True)
    assert response.redirect_chain[-1][0] == page(batch)
    assert f"Пакет №{batch.pk} создан из «реестр.xlsx»" in response.content.decode()


@pytest.mark.parametrize("same_month", [True, False])
def test_the_preview_names_what_it_compares_with(login, accountant, same_month):

    published = BatchFactory(status=Status.PUBLISHED)
    compared = f"{published.period:%m.%Y}" if same_month else "09.2020"
    upload = _checked_upload(
        accountant,
        published,
        receipts=10,
        total_to_pay="100.00",
        previous_period=compared,
        new_count=2,
        gone_count=3,
        moved=[],
        moved_count=0,
        kinds={"new": 2, "changed": 1, "unchanged": 7, "vanished": 3},
    )
    html = login(accountant).get(reverse("admin:billing_batch_import_status", args=[upload.token])).content.decode()
    assert "Отличия от прошлого месяца" not in html
    if same_month:
        assert f"Отличия от опубликованного пакета №{published.pk} за этот же месяц" in html
        replaces = html[html.index('id="import-replaces"') :]
        text = " ".join(re.sub(r"<[^>]+>", "", replaces[: replaces.index("</p>")]).split())
        assert "Обновится 8 квитанций (сумма изменится у 1), добавится 2 квитанции, будет отозвано 3 квитанции" in text
    else:
        assert f"Отличия от пакета №{published.pk} за 09.2020 — последнего опубликованного" in html
        assert 'id="import-replaces"' not in html


def test_the_full_preview_pages_and_filters_every_receipt(login, accountant):
    from billing.models import UploadReceipt

    published = BatchFactory(status=Status.PUBLISHED)
    kinds = ["new"] * 60 + ["changed"] * 5 + ["unchanged"] * 50 + ["vanished"] * 2
    report = [
        [
            f"{n:08d}",
            "housing",
            kind,
            None if kind == "new" else "100.00",
            None if kind == "vanished" else ("150.50" if kind == "changed" else "100.00"),
            "ул Тверская, д 7",
        ]
        for n, kind in enumerate(kinds)
    ]
    upload = _checked_upload(
        accountant,
        published,
        receipts=115,
        total_to_pay="11527.50",
        previous_period="09.2020",
        previous_total="11470.00",
        kinds={"new": 60, "changed": 5, "unchanged": 50, "vanished": 2},
    )
    UploadReceipt.objects.bulk_create(
        UploadReceipt(upload=upload, account=a, category=c, kind=k, before=b, now=n, where=w)
        for a, c, k, b, n, w in report
    )
    url = reverse("admin:billing_batch_import_status", args=[upload.token])
    client = login(accountant)

    full = client.get(url).context["full"]
    assert (len(full["rows"]), full["pages"]) == (50, 3)
    assert [f["count"] for f in full["kind_filters"]] == [117, 60, 5, 50, 2]
    html = client.get(url).content.decode().replace("\xa0", " ")
    assert "было 11 470,00, +0,5 %" in html  # the month's total against the compared batch

    changed = client.get(url, {"kind": "changed"}).context["full"]
    assert {row["kind"] for row in changed["rows"]} == {"changed"} and len(changed["rows"]) == 5
    assert changed["rows"][0]["difference"] == Decimal("50.50") and changed["rows"][0]["percent"] == Decimal("50.5")
    last = client.get(url, {"kind": "new", "page": "2"}).context["full"]
    assert len(last["rows"]) == 10 and last["next_url"] is None and "kind=new" in last["previous_url"]
    vanished = client.get(url, {"kind": "vanished"}).content.decode()
    assert "Исчезла" in vanished and "00000116" in vanished
    assert client.get(url, {"kind": "nonsense", "page": "x"}).status_code == 200
