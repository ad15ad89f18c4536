"""A month through the real admin in headless Chromium, as the accountant and the approver do it.

The live server runs the admin; a real django-q2 cluster (a subprocess on the same test database)
parses the registry and publishes; the Condo sandbox runs in this process. Each step is named:
a failing one leaves a screenshot in var/browser-screenshots/.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

pytest.importorskip(
    "selenium", reason="Selenium is not installed: `make test-browser` installs requirements-browser.txt"
)

# Below the skip: from here on everything needs Selenium.
from django.urls import reverse
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from billing.exports.receipts import COLUMNS as EXPORT_COLUMNS
from billing.importers.desk_columns import COLUMNS as REGISTRY_COLUMNS
from billing.importers.desk_template import TEMPLATE_KEYS, demo_registry_rows, write_desk_registry
from billing.models import Batch, Recipient
from billing.roles import ACCOUNTANT, APPROVER
from billing.services.demo import DEMO_REGISTRY_ACCOUNTS
from integration.models import Reconciliation
from integration.sandbox.faults import FaultConfig
from tests.browser import browser
from tests.browser.month_correction import correct_the_month, rubles, table
from tests.factories import OrganizationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIVE = ("Утверждён", "Публикуется")


@pytest.fixture
def organization(condo_sandbox):
    from billing.importers.requisites import bank_account_with_key

    recipient = Recipient.objects.create(
        name="ООО «РЦ»",
        tin="7707083893",
        bic="044525225",
        bank_account=bank_account_with_key("40702810000000012345", "044525225"),
    )
    organization = OrganizationFactory(name="УК «Браузерная»", default_recipient=recipient)
    condo_sandbox.add_context(organization.condo_context_id)
    return organization


def post_from_page(driver, url: str) -> tuple[int, str]:
    """POST as the page's own forms do (session cookie and CSRF token): the HTTP status and body."""
    return driver.execute_async_script(
        """
        const [url, done] = [arguments[0], arguments[arguments.length - 1]];
        const body = new FormData();
        body.append("csrfmiddlewaretoken", document.querySelector("[name=csrfmiddlewaretoken]").value);
        fetch(url, {method: "POST", body: body, credentials: "same-origin", redirect: "manual"})
          .then(r => r.text().then(t => done([r.status, t])))
          .catch(e => done([0, String(e)]));
        """,
        url,
    )


def test_a_month_from_template_to_excel_export_through_the_admin(at_1366, qcluster, condo_sandbox, organization):
    driver, base, steps = at_1366
    accountant = UserFactory(username="buh-browser", role=ACCOUNTANT)
    UserFactory(username="boss-browser", role=APPROVER)

    with steps("accountant-login"):
        browser.login(driver, base, accountant.username)
        driver.get(f"{base}{reverse('admin:billing_batch_changelist')}")
        browser.assert_fits(driver)
        browser.click_link(driver, "Загрузить реестр")
        browser.wait(driver).until(lambda d: "Загрузить и проверить" in browser.buttons(d))
        browser.assert_fits(driver)

    with steps("download-template"):
        browser.click_link(driver, "пустой шаблон")
        template = browser.wait_download(driver.downloads, "shablon-reestra.xlsx")
        rows = table(template, "Реестр")
        titles = [column.title for column in REGISTRY_COLUMNS if column.key in TEMPLATE_KEYS]
        assert rows == [tuple(titles)], "the empty template holds the headers and nothing else"
        assert {row[0] for row in table(template, "Описание")[1:]} >= set(titles)

    with steps("upload-registry"):
        period = driver.find_element(By.ID, "id_period").get_attribute("value")  # last month, prefilled
        year, month = map(int, period.split("-"))
        lines = list(
            demo_registry_rows(
                period=date(year, month, 1),
                recipient=(
                    organization.default_recipient.tin,
                    organization.default_recipient.bic,
                    organization.default_recipient.bank_account,
                ),
                accounts=DEMO_REGISTRY_ACCOUNTS,
            )
        )
        registry = driver.downloads.parent / f"demo-{period}.xlsx"
        write_desk_registry(registry, iter(lines))
        Select(driver.find_element(By.ID, "id_organization")).select_by_value(str(organization.pk))
        driver.find_element(By.ID, "id_file").send_keys(str(registry))
        browser.click_button(driver, "Загрузить и проверить")
        # No worker runs yet, so the page is bound to show the queued upload with its progress bar.
        browser.wait_text(driver, "#import-status", "В очереди")
        assert driver.find_element(By.ID, "import-progress").get_attribute("value") == "0"

    with steps("progress-bar-finishes"):
        qcluster.start()
        # The page polls its JSON and reloads itself when the check ends: no refresh here.
        browser.wait_text(driver, "#import-status", "Проверен", timeout=60)
        assert not driver.find_elements(By.ID, "import-progress")

    with steps("read-preview"):
        counts = {
            row.find_element(By.TAG_NAME, "th").text: row.find_element(By.TAG_NAME, "td").text
            for row in driver.find_elements(By.CSS_SELECTOR, "table.import-counts tr")
        }
        total = sum((line["to_pay"] for line in lines), Decimal("0"))
        assert counts["Лицевых счетов"] == str(DEMO_REGISTRY_ACCOUNTS)
        assert counts["Квитанций"] == str(2 * DEMO_REGISTRY_ACCOUNTS)  # housing and capital repair apart
        assert counts["Строк услуг"] == str(len(lines))
        assert counts["Итого к оплате"] == rubles(total)
        first = driver.find_element(By.CSS_SELECTOR, "#import-sample tbody tr").find_elements(By.TAG_NAME, "td")
        assert first[1].text == lines[0]["account"] and first[4].text == lines[0]["full_name"]
        assert first[6].text.replace("\xa0", " ") == rubles(lines[0]["to_pay"])
        assert "сравнивать не с чем" in browser.text_of(driver, "#import-anomalies")
        browser.assert_fits(driver)
        browser.readme_shot(driver, "preview")

    with steps("full-preview-filters"):
        # Every receipt of the upload, paged; nothing to compare with, so every one is new.
        receipts_total = 2 * DEMO_REGISTRY_ACCOUNTS
        assert f"Новая ({receipts_total})" in browser.text_of(driver, "#import-kind-filters")
        browser.click_link(driver, "Без изменений (0)")
        browser.wait_text(driver, "#import-receipt-rows", "Нет квитанций для этого отбора.")
        browser.click_link(driver, f"Новая ({receipts_total})")
        browser.wait(driver).until(lambda d: "kind=new" in d.current_url)
        shown = driver.find_elements(By.CSS_SELECTOR, "#import-receipt-rows tbody tr.kind-new")
        assert len(shown) == min(receipts_total, 50)
        browser.assert_fits(driver)

    with steps("confirm"):
        browser.click_button(driver, "Подтвердить")
        # The page follows the worker and lands on the new batch itself.
        browser.wait_text(driver, "#batch-status", "Черновик", timeout=60)
        batch = Batch.objects.get(organization=organization)
        browser.wait_text(driver, "ul.messagelist", f"Пакет №{batch.pk} создан")
        browser.assert_fits(driver)
        browser.readme_shot(driver, "batch")
        assert f"{DEMO_REGISTRY_ACCOUNTS} / {2 * DEMO_REGISTRY_ACCOUNTS} / {len(lines)}" in browser.text_of(
            driver, "#content-main .module"
        )

    with steps("submit"):
        browser.click_button(driver, "Отправить на утверждение")
        browser.wait_text(driver, "ul.messagelist", "Пакет отправлен на утверждение.")
        browser.wait_text(driver, "#batch-status", "На утверждении")

    with steps("accountant-may-not-approve"):
        assert "Утвердить" not in browser.buttons(driver)
        assert not driver.find_elements(By.ID, "action-approve")
        status, body = post_from_page(driver, f"{base}{reverse('admin:billing_batch_approve', args=[batch.pk])}")
        assert status == 403, body[:500]
        assert "Действие запрещено" in body
        batch.refresh_from_db()
        assert batch.status == Batch.Status.SUBMITTED and batch.approved_by is None
        browser.logout(driver)

    with steps("approver-approves"):
        browser.login(driver, base, "boss-browser")
        driver.get(f"{base}{reverse('admin:billing_batch_changelist')}")
        browser.click_link(driver, "Ожидают утверждения: 1")
        browser.click_link(driver, f"№{batch.pk}")
        browser.wait_text(driver, "#batch-status", "На утверждении")
        # The cluster checked the batch on submit; the page reloads itself until the result is in.
        browser.wait_text(driver, "#check-problems", "Нарушений правил Condo нет", timeout=60)
        assert "Новые для Condo счета" in browser.text_of(driver, "#batch-check")
        # Slow answers keep the publishing visible for a few polls of the page.
        condo_sandbox.faults = FaultConfig(latency_seconds=0.7)
        browser.click_link(driver, "Утвердить…")

    with steps("approve-confirmation"):
        # Like Django's delete confirmation: the numbers, a danger-coloured button, a way back.
        browser.wait_text(driver, "#confirm-consequences", f"{2 * DEMO_REGISTRY_ACCOUNTS} квитанц")
        assert rubles(total) in browser.text_of(driver, "#confirm-consequences").replace("\xa0", " ")
        assert "delete-confirmation" in driver.find_element(By.TAG_NAME, "body").get_attribute("class")
        # Django's --delete-button-bg (#ba2121): the colour of danger in the admin.
        danger = driver.find_element(By.ID, "confirm-submit").value_of_css_property("background-color")
        assert danger in ("rgba(186, 33, 33, 1)", "rgb(186, 33, 33)"), danger
        assert Batch.objects.get(pk=batch.pk).status == Batch.Status.SUBMITTED  # nothing happened yet
        browser.click_button(driver, "Да, утвердить и опубликовать")
        browser.wait_text(driver, "ul.messagelist", "Пакет утверждён.")
        assert browser.text_of(driver, "#publish-status") in LIVE, "the page should open on a live publishing"
        browser.assert_fits(driver)

    with steps("publishing-reaches-published"):
        seen = set()

        def published(d) -> bool:
            seen.add(browser.text_of(d, "#publish-status"))
            return browser.text_of(d, "#batch-status") == "Опубликован"

        browser.wait(driver, 90).until(published)  # the page polls and reloads itself once publishing ends
        condo_sandbox.faults = FaultConfig()
        receipts = str(2 * DEMO_REGISTRY_ACCOUNTS)
        bar = driver.find_element(By.ID, "publish-progress")
        assert bar.get_attribute("value") == bar.get_attribute("max") == receipts
        assert browser.text_of(driver, "#publish-percent") == "100 %"
        assert browser.text_of(driver, "#publish-counts [data-field=accepted]") == receipts
        assert browser.text_of(driver, "#publish-counts [data-field=rejected]") == "0"
        assert seen & set(LIVE), seen
        browser.assert_fits(driver)

    with steps("reconcile"):

        def latest_link(d) -> str | None:
            links = d.find_elements(By.CSS_SELECTOR, "#batch-publishing a[href*='/reconciliation/']")
            return links[0].get_attribute("href") if links else None

        # Publishing ends by asking for a reconciliation; the button asks for a fresh one.
        browser.refresh_until(driver, latest_link, timeout=60, what="the automatic reconciliation")
        automatic = latest_link(driver)
        browser.click_button(driver, "Сверить с Condo")
        browser.wait_text(driver, "ul.messagelist", "Сверка с Condo запущена")
        browser.refresh_until(
            driver,
            lambda d: latest_link(d) not in (None, automatic),
            timeout=60,
            what="the reconciliation asked for by the button",
        )
        assert "Расхождений нет." in browser.text_of(driver, "#batch-publishing")
        browser.click_link(driver, "Подробнее")
        browser.wait_text(driver, "#content", "сверка с Condo")
        browser.assert_fits(driver)
        assert driver.find_element(By.CSS_SELECTOR, ".field-is_consistent img").get_attribute("alt") == "True"
        for field in ("batch_receipts", "condo_receipts"):
            assert browser.text_of(driver, f".field-{field} .readonly") == receipts
        for field in ("missing_in_condo", "extra_in_condo", "amount_differs"):
            assert browser.text_of(driver, f".field-{field} .readonly") == "0"
        assert Reconciliation.objects.filter(batch=batch).count() >= 2  # the automatic one and the button's

    with steps("export-receipts"):
        driver.get(f"{base}{reverse('admin:billing_batch_change', args=[batch.pk])}")
        browser.click_link(driver, "Квитанции с результатом публикации")
        exported = browser.wait_download(driver.downloads, f"kvitancii-paket-{batch.pk}.xlsx")
        header, *data = table(exported, "Квитанции")
        assert list(header) == [column.header for column in EXPORT_COLUMNS]
        at = {title: index for index, title in enumerate(header)}
        assert len(data) == 2 * DEMO_REGISTRY_ACCOUNTS
        assert {row[at["Результат публикации"]] for row in data} == {"Принята"}
        assert {row[at["Лицевой счёт"]] for row in data} == {line["account"] for line in lines}
        assert sum(Decimal(str(row[at["Итого к оплате"]])) for row in data) == total
        figures = {row[0]: row[1] for row in table(exported, "Пакеты") if row and row[0]}
        assert figures[f"Пакет №{batch.pk}: статус"] == "Опубликован"

    correct_the_month(
        steps,
        driver,
        base,
        accountant=accountant,
        organization=organization,
        batch=batch,
        lines=lines,
        period=period,
        total=total,
    )
    assert steps.done[-1] == "correction-confirmed-lands-on-the-new-batch"
    assert (
        len(condo_sandbox.receipts(organization.condo_context_id, include_deleted=False)) == 2 * DEMO_REGISTRY_ACCOUNTS
    )
