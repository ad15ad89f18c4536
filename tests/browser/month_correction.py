"""The browser month's second half: a correction of the published month, refused once, then confirmed.

tests/browser/test_month_flow.py runs these steps on the month it has just published, as the
accountant who uploaded it.
"""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from openpyxl import load_workbook
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from billing.importers.desk_template import write_desk_registry
from billing.models import Batch
from billing.services.demo import DEMO_REGISTRY_ACCOUNTS
from tests.browser import browser


def rubles(amount: Decimal) -> str:
    """Money as the pages show it (spaces collapsed): «4 106 880,52»."""
    return f"{amount:,.2f}".replace(",", " ").replace(".", ",")


def table(path, sheet: str) -> list[tuple]:
    workbook = load_workbook(path, read_only=True)
    try:
        return list(workbook[sheet].iter_rows(values_only=True))
    finally:
        workbook.close()


def correct_the_month(
    steps: browser.Steps,
    driver,
    base: str,
    *,
    accountant,
    organization,
    batch: Batch,
    lines: list[dict],
    period: str,
    total,
) -> None:
    """Upload the month again with one amount raised and the last account gone, as the accountant."""
    with steps("refused-correction-keeps-organization-and-month"):
        # The same month again: one amount raised by 100 ₽, the last account gone (its two receipts).
        # First without raising what it is made of: the file is refused, with the sum in words.
        browser.logout(driver)
        browser.login(driver, base, accountant.username)
        corrected = [dict(line) for line in lines if line["account"] != lines[-1]["account"]]
        corrected[0]["to_pay"] += Decimal("100")
        broken = driver.downloads.parent / f"broken-{period}.xlsx"
        write_desk_registry(broken, iter(corrected))
        driver.get(f"{base}{reverse('admin:billing_batch_import')}")
        Select(driver.find_element(By.ID, "id_organization")).select_by_value(str(organization.pk))
        driver.find_element(By.ID, "id_file").send_keys(str(broken))
        browser.click_button(driver, "Загрузить и проверить")
        browser.wait_text(driver, "p.errornote", "Файл отклонён", timeout=60)
        error = browser.text_of(driver, "#import-errors tbody").replace("\xa0", " ")
        assert "не сходится с составляющими" in error and rubles(corrected[0]["to_pay"]) in error, error
        browser.assert_fits(driver)
        browser.click_link(driver, "Загрузить исправленный файл")
        browser.wait(driver).until(lambda d: d.find_elements(By.ID, "id_organization"))
        chosen = driver.find_element(By.CSS_SELECTOR, "#id_organization option:checked").get_attribute("value")
        assert chosen == str(organization.pk)
        assert driver.find_element(By.ID, "id_period").get_attribute("value") == period

    with steps("correction-preview-names-what-it-replaces"):
        corrected[0]["charge"] += Decimal("100")
        changed_account = corrected[0]["account"]
        registry = driver.downloads.parent / f"correction-{period}.xlsx"
        write_desk_registry(registry, iter(corrected))
        driver.find_element(By.ID, "id_file").send_keys(str(registry))
        browser.click_button(driver, "Загрузить и проверить")
        browser.wait_text(driver, "#import-status", "Проверен", timeout=60)
        compared = browser.text_of(driver, "#import-compared-with")
        assert f"опубликованного пакета №{batch.pk} за этот же месяц" in compared
        replaces = browser.text_of(driver, "#import-replaces")
        receipts_now = 2 * DEMO_REGISTRY_ACCOUNTS - 2
        assert f"пакет №{batch.pk}" in replaces
        assert f"Обновится {receipts_now} квитанций (сумма изменится у 1)" in replaces
        assert "добавится 0 квитанций" in replaces and "будет отозвано 2 квитанции" in replaces
        # The month's total against the published one, with its change in percent.
        month_change = browser.text_of(driver, "#import-month-change").replace("\xa0", " ")
        assert f"в пакете №{batch.pk} было {rubles(total)}" in month_change and "%" in month_change
        browser.assert_fits(driver)

    with steps("correction-full-preview-filters"):
        filters = browser.text_of(driver, "#import-kind-filters")
        assert "Изменилась (1)" in filters and "Исчезла (2)" in filters
        assert f"Без изменений ({receipts_now - 1})" in filters
        browser.click_link(driver, "Изменилась (1)")
        browser.wait(driver).until(lambda d: "kind=changed" in d.current_url)
        (row,) = driver.find_elements(By.CSS_SELECTOR, "#import-receipt-rows tbody tr")
        cells = [cell.text.replace("\xa0", " ") for cell in row.find_elements(By.TAG_NAME, "td")]
        assert cells[0] == changed_account and cells[3] == "Изменилась"
        assert cells[6].startswith("100,00")  # what changed: the difference, in money
        browser.click_link(driver, "Исчезла (2)")
        browser.wait(driver).until(lambda d: "kind=vanished" in d.current_url)
        vanished = driver.find_elements(By.CSS_SELECTOR, "#import-receipt-rows tbody tr.kind-vanished")
        assert {r.find_element(By.TAG_NAME, "td").text for r in vanished} == {lines[-1]["account"]}
        browser.assert_fits(driver)

    with steps("correction-confirmed-lands-on-the-new-batch"):
        browser.click_button(driver, "Подтвердить")
        browser.wait_text(driver, "#batch-status", "Черновик", timeout=60)
        correction = Batch.objects.filter(organization=organization).exclude(pk=batch.pk).get()
        assert f"/{correction.pk}/" in driver.current_url
        assert f"пакет №{batch.pk}" in browser.text_of(driver, "#batch-replacement")
        assert browser.text_of(driver, "#replacement-withdrawn") == "2 квитанции"
        browser.assert_fits(driver)
        # The accountant's queue holds the new draft until it is submitted.
        driver.get(f"{base}{reverse('admin:index')}")
        browser.wait_text(driver, "#queue-my_drafts", "Мои черновики: 1")
        browser.click_link(driver, "Мои черновики")
        browser.wait_text(driver, "#changelist", f"№{correction.pk}")
        browser.assert_fits(driver)
