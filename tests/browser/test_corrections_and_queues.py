"""A correction, a rejection and the queues through the real admin in headless Chromium, at 1366 px.

The approver finds a corrected registry in their queue, reads what it replaces, approves it on the
confirmation page, watches it publish, and confirms the replacement on the new batch's page with a
reason typed by hand. The accountant finds the rejected batch in their queue with its reason, reads
the banner and lands on the upload form with the organization and month kept. No page scrolls sideways.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

pytest.importorskip(
    "selenium", reason="Selenium is not installed: `make test-browser` installs requirements-browser.txt"
)

from django.urls import reverse
from selenium.webdriver.common.by import By

from billing.models import Batch
from billing.roles import ACCOUNTANT, APPROVER
from billing.services.checks import batch_check_request
from integration.checking.run import batch_check_run
from tests.browser import browser
from tests.factories import BatchCheckFactory, BatchFactory, UserFactory
from tests.integration.publishing.builders import published_and_its_correction

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Status = Batch.Status


def test_a_correction_a_rejection_and_the_queues_at_1366_px(at_1366, qcluster, condo_sandbox):
    driver, base, steps = at_1366
    accountant = UserFactory(username="buh-fix", role=ACCOUNTANT)
    UserFactory(username="boss-fix", role=APPROVER)

    # October was published with accounts 0–4; the corrected registry has 2–7, account 4 with a new amount.
    old, new = published_and_its_correction(
        amount=Decimal("1000.00"), changed_to=Decimal("1234.56"), status=Status.SUBMITTED
    )
    Batch.objects.filter(pk=new.pk).update(created_by=accountant, submitted_by=accountant)
    # The check before approval the worker runs once a batch is submitted.
    batch_check_run(check_id=batch_check_request(batch=new, by=accountant).pk)
    elsewhere = BatchFactory(status=Status.SUBMITTED, created_by=accountant, submitted_by=accountant)
    BatchCheckFactory(batch=elsewhere, blocking=True)  # its check before approval found violations
    qcluster.start()

    with steps("approver-queues"):
        browser.login(driver, base, "boss-fix")
        browser.wait_text(driver, "#queue-awaiting_me", "Ждут моего утверждения: 2")
        assert "Проверка перед утверждением нашла нарушения: 1" in browser.text_of(driver, "#queue-check_problems")
        assert "Недоступно" not in browser.text_of(driver, "#content")
        browser.assert_fits(driver)
        browser.readme_shot(driver, "dashboard")
        browser.click_link(driver, "Ждут моего утверждения")
        browser.wait_text(driver, "#changelist", f"№{new.pk}")
        browser.assert_fits(driver)
        browser.click_link(driver, f"№{new.pk}")

    with steps("correction-says-what-it-replaces"):
        replacement = browser.wait_text(driver, "#batch-replacement", f"пакет №{old.pk}")
        assert "Обновится 3 квитанции" in browser.text_of(driver, "#batch-replacement")
        assert "добавится 3 квитанции" in browser.text_of(driver, "#batch-replacement")
        assert "2 квитанции" in browser.text_of(driver, "#replacement-withdrawn")
        assert replacement.is_displayed()
        browser.assert_fits(driver)
        browser.readme_shot(driver, "check-before-approval")

    with steps("approve-on-its-confirmation-page"):
        browser.click_link(driver, "Утвердить…")
        browser.wait_text(driver, "#confirm-consequences", f"пакет №{old.pk}")
        consequences = browser.text_of(driver, "#confirm-consequences")
        assert "6 квитанций" in consequences and "обновится 3 квитанции" in consequences
        browser.assert_fits(driver)
        browser.readme_shot(driver, "confirm-approval")
        browser.click_button(driver, "Да, утвердить и опубликовать")
        browser.wait_text(driver, "ul.messagelist", "Пакет утверждён.")
        browser.readme_shot(driver, "publishing-progress")
        browser.wait(driver, 90).until(lambda d: browser.text_of(d, "#batch-status") == "Опубликован")
        browser.assert_fits(driver)

    with steps("replacement-waits-in-its-queue"):
        driver.get(f"{base}{reverse('admin:index')}")
        browser.wait_text(driver, "#queue-replacements", "Замены ждут подтверждения: 1")
        browser.click_link(driver, "Замены ждут подтверждения")
        browser.wait_text(driver, "#changelist", f"№{new.pk}")
        assert not driver.find_elements(By.LINK_TEXT, f"№{old.pk}"), "the queue lists the new batch, not the old"
        browser.click_link(driver, f"№{new.pk}")
        browser.wait_text(driver, "#batch-status", "Опубликован")

    with steps("confirm-the-replacement-on-the-new-batch"):
        browser.click_link(driver, f"Подтвердить замену пакета №{old.pk}")
        browser.wait_text(driver, "#confirm-consequences", "будет отозвано 2 квитанции")
        reason = driver.find_element(By.ID, "confirm-reason")
        assert reason.get_attribute("value") == "" and reason.get_attribute("required") == "true"
        browser.click_button(driver, "Да, подтвердить замену")
        assert driver.current_url.endswith(reverse("admin:billing_batch_replace_confirm", args=[new.pk])), (
            "an empty reason must not leave the page"
        )
        reason.send_keys("Исправлена сумма по лицевому счёту 00000004")
        browser.click_button(driver, "Да, подтвердить замену")
        browser.wait_text(driver, "ul.messagelist", "Замена запущена")
        assert f"/{new.pk}/" in driver.current_url, "the answer lands on the new batch's page"

        def superseded(d) -> bool:
            d.refresh()
            return "заменил" in browser.text_of(d, "#batch-replacement")

        browser.wait(driver, 60).until(superseded)
        assert Batch.objects.get(pk=old.pk).status == Status.SUPERSEDED

    with steps("reject-with-a-reason"):
        driver.get(f"{base}{reverse('admin:billing_batch_change', args=[elsewhere.pk])}")
        driver.find_element(By.ID, "reason-reject").send_keys("В доме 7 нет капремонта")
        browser.click_button(driver, "Отклонить")
        browser.wait_text(driver, "ul.messagelist", "Пакет отклонён.")
        browser.logout(driver)

    with steps("accountant-finds-the-rejection"):
        browser.login(driver, base, accountant.username)
        queue = browser.wait_text(driver, "#queue-my_rejected", "Отклонены, ждут моего исправления: 1")
        assert "В доме 7 нет капремонта" in queue.text
        browser.assert_fits(driver)
        browser.click_link(driver, f"№{elsewhere.pk}")
        banner = browser.wait_text(driver, "#rejected-banner", "В доме 7 нет капремонта")
        assert "загрузите исправленный реестр" in banner.text
        browser.assert_fits(driver)
        browser.click_link(driver, "Загрузить исправленный реестр")
        browser.wait(driver).until(lambda d: d.find_elements(By.ID, "id_organization"))
        chosen = driver.find_element(By.CSS_SELECTOR, "#id_organization option:checked").get_attribute("value")
        assert chosen == str(elsewhere.organization_id)
        assert driver.find_element(By.ID, "id_period").get_attribute("value") == f"{elsewhere.period:%Y-%m}"
        browser.assert_fits(driver)
        browser.readme_shot(driver, "upload")

    with steps("lists-fit-1366"):
        for name in ("billing_batch_changelist", "billing_receipt_changelist", "billing_audittransition_changelist"):
            driver.get(f"{base}{reverse(f'admin:{name}')}")
            browser.wait(driver).until(lambda d: d.find_elements(By.ID, "changelist"))
            browser.assert_fits(driver)

    assert steps.done[-1] == "lists-fit-1366"
