"""PDFs after publishing, a withdrawal and a failed publishing through the real admin in headless Chromium.

The accountant attaches a ZIP of PDFs to a published batch; they wait for a second person, and once
the approver approves them with «Утвердить PDF» the worker sends them to Condo. The approver then withdraws the
batch on its confirmation page, with a reason typed by hand, and the page stops claiming it is in
Condo. A batch whose publishing failed says what to fix and where, sits in the failures queue, and is
cancelled with a reason. Every page fits 1366 px.
"""

from __future__ import annotations

import pytest

pytest.importorskip(
    "selenium", reason="Selenium is not installed: `make test-browser` installs requirements-browser.txt"
)

from django.urls import reverse
from selenium.webdriver.common.by import By

from billing.models import Batch, ReceiptPdf
from billing.roles import ACCOUNTANT, APPROVER
from integration.publishing.publisher import batch_publish
from tests.billing.pdfs.support import make_pdf, zip_of
from tests.browser import browser
from tests.factories import OrganizationFactory, UserFactory
from tests.integration.publishing.builders import batch_with_receipts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Status = Batch.Status
RECEIPTS = 3


def figures(driver, css: str) -> dict[str, str]:
    """A two-column table of figures: its row headings and their values."""
    return {
        row.find_element(By.TAG_NAME, "th").text: row.find_element(By.TAG_NAME, "td").text
        for row in driver.find_elements(By.CSS_SELECTOR, f"{css} tr")
        if row.find_elements(By.TAG_NAME, "th") and row.find_elements(By.TAG_NAME, "td")
    }


def test_pdfs_approved_by_a_second_person_a_withdrawal_and_a_failed_batch_at_1366_px(
    at_1366, qcluster, condo_sandbox, tmp_path
):
    driver, base, steps = at_1366
    accountant = UserFactory(username="buh-pdf", role=ACCOUNTANT)
    UserFactory(username="boss-pdf", role=APPROVER)

    published = batch_with_receipts(receipts=RECEIPTS)
    assert batch_publish(batch_id=published.pk).status == Status.PUBLISHED
    # An organization whose Condo context the sandbox does not know: its publishing fails for good.
    stranger = OrganizationFactory(name="УК «Без контекста»")
    failed = batch_with_receipts(receipts=2, organization=stranger)
    assert batch_publish(batch_id=failed.pk).status == Status.FAILED
    archive = tmp_path / "kvitancii.zip"
    archive.write_bytes(zip_of({f"{n:08d}_жку.pdf": make_pdf(f"browser-{n}") for n in range(RECEIPTS)}))
    qcluster.start()
    page = f"{base}{reverse('admin:billing_batch_change', args=[published.pk])}"

    with steps("accountant-attaches-pdfs-to-a-published-batch"):
        browser.login(driver, base, accountant.username)
        driver.get(page)
        browser.click_link(driver, "Загрузить PDF (ZIP)")
        driver.find_element(By.ID, "id_archive").send_keys(str(archive))
        browser.click_button(driver, "Загрузить PDF")
        # The worker checks each file; the page refreshes itself until the report is in.
        browser.wait_text(driver, "#pdfs-report", "Результат загрузки", timeout=60)
        assert figures(driver, "#pdfs-report")["Прикреплено (новые и изменённые)"] == str(RECEIPTS)
        browser.assert_fits(driver)
        driver.get(page)
        assert figures(driver, "#batch-pdfs")["Ждут утверждения"].startswith(f"{RECEIPTS} — загружены после отправки")
        assert not [label for label in browser.buttons(driver) if label.startswith("Утвердить PDF")], (
            "the accountant who attached them may not approve them"
        )
        browser.logout(driver)

    with steps("approver-approves-the-pdf-addendum"):
        browser.login(driver, base, "boss-pdf")
        driver.get(page)
        browser.click_button(driver, f"Утвердить PDF ({RECEIPTS})")
        browser.wait_text(driver, "ul.messagelist", f"PDF утверждены: {RECEIPTS}, отпечаток")
        assert "Ждут утверждения" not in figures(driver, "#batch-pdfs")
        browser.assert_fits(driver)

    with steps("the-approved-pdfs-reach-condo"):
        # The approval itself queues them for the worker: nobody has to press «Отправить PDF в Condo».
        browser.refresh_until(
            driver,
            lambda d: figures(d, "#batch-pdfs")["Отправлено в Condo"] == str(RECEIPTS),
            timeout=60,
            what="the PDFs sent by the worker",
        )
        assert ReceiptPdf.objects.filter(batch=published, state=ReceiptPdf.State.SENT).count() == RECEIPTS

    with steps("withdraw-on-its-confirmation-page"):
        driver.get(page)
        browser.click_link(driver, "Отозвать…")
        browser.wait_text(driver, "#confirm-consequences", f"{RECEIPTS} квитанции на сумму")
        assert "3 000,00" in browser.text_of(driver, "#confirm-consequences").replace("\xa0", " ")
        reason = driver.find_element(By.ID, "confirm-reason")
        assert reason.get_attribute("value") == "" and reason.get_attribute("required") == "true"
        danger = driver.find_element(By.ID, "confirm-submit").value_of_css_property("background-color")
        assert danger in ("rgba(186, 33, 33, 1)", "rgb(186, 33, 33)"), danger
        browser.assert_fits(driver)
        confirm_url = driver.current_url
        browser.click_button(driver, driver.find_element(By.ID, "confirm-submit").get_attribute("value"))
        assert driver.current_url == confirm_url, "an empty reason must not leave the page"
        assert Batch.objects.get(pk=published.pk).status == Status.PUBLISHED
        reason.send_keys("Реестр загружен не той УК")
        browser.click_button(driver, driver.find_element(By.ID, "confirm-submit").get_attribute("value"))
        browser.wait_text(driver, "ul.messagelist", "Отзыв запущен")
        browser.refresh_until(
            driver, lambda d: browser.text_of(d, "#batch-status") == "Отозван", timeout=60, what="the withdrawal"
        )
        # Withdrawn: no full progress bar, no «Расхождений нет» about what Condo no longer holds.
        assert not driver.find_elements(By.ID, "publish-progress")
        assert "Расхождений нет" not in browser.text_of(driver, "#content")
        browser.assert_fits(driver)
        assert condo_sandbox.receipts(published.organization.condo_context_id, include_deleted=False) == []

    with steps("a-failed-batch-says-what-to-fix"):
        driver.get(f"{base}{reverse('admin:index')}")
        browser.wait_text(driver, "#queue-failed", "Сбои публикации: 1")
        browser.click_link(driver, "Сбои публикации")
        browser.wait_text(driver, "#changelist", f"№{failed.pk}")
        browser.click_link(driver, f"№{failed.pk}")
        browser.wait_text(driver, "#batch-status", "Сбой публикации")
        assert "Опубликовать снова" in browser.buttons(driver)
        assert "нет доступных действий" not in browser.text_of(driver, "#content")
        advice = browser.text_of(driver, "#failure-advice")
        assert stranger.condo_context_id in advice and "не в статусе Finished" not in advice
        assert driver.find_elements(
            By.CSS_SELECTOR,
            f"#failure-advice a[href$='{reverse('admin:billing_organization_change', args=[stranger.pk])}']",
        )
        browser.assert_fits(driver)

    with steps("cancel-the-failed-batch"):
        driver.find_element(By.ID, "reason-cancel_batch").send_keys("УК ещё не подключена к Condo")
        browser.click_button(driver, "Отменить пакет")
        browser.wait_text(driver, "ul.messagelist", "Пакет отменён")
        browser.wait_text(driver, "#batch-status", "Отменён")
        assert Batch.objects.get(pk=failed.pk).status == Status.CANCELLED
        browser.assert_fits(driver)

    assert steps.done[-1] == "cancel-the-failed-batch"
