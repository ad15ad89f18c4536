"""The Condo password and token never leave the process; full names never reach the log output.

Each test runs a real publish against the sandbox (submit, approve, the queued publishing
task, its reconciliation and e-mail) with a password or token made up for the run, then looks
for it everywhere a secret could end up: every log record before any masking, the console log,
every database row, the admin pages, the e-mails and the error texts shown to people.
"""

from __future__ import annotations

import io
import logging
import traceback
import uuid

import pytest
from django.core import mail
from django.core.cache import caches
from django.urls import reverse

from billing.models import Account, Batch, BatchTransition, Receipt
from billing.services.batches import batch_approve, batch_submit
from billing.services.receipt_pdfs import receipt_pdfs_attach
from integration.condo import CondoClient, CondoError
from integration.condo.auth import TokenStore
from integration.logmask import MASK
from integration.models import CondoCall, Reconciliation
from integration.sandbox.faults import FaultConfig
from tests.billing.pdfs.support import make_pdf, pdf_storage, zip_of  # noqa: F401 - pdf_storage is a fixture
from tests.factories import UserFactory
from tests.integration.publishing.builders import batch_with_receipts, sandbox_organization
from tests.sandbox_fixtures import sandbox_client
from tests.security.leaks import captured_logs, console_handlers, database_text

pytestmark = pytest.mark.django_db
Status = Batch.Status
SERVICE_LOGIN = "secrets-publisher@sandbox.test"
# Distinctive names in the forms the mask knows: a patronymic, and «оглы».
FULL_NAMES = ("Шереметьева Агриппина Святославовна", "Оболенский Всеволод Ярополкович", "Мамедов Эльдар Рашид оглы")


def unique_secret(kind: str) -> str:
    return f"{kind}-{uuid.uuid4().hex}-Zq9"


@pytest.fixture
def people(db):
    return UserFactory(username="secrets-accountant", role="Бухгалтер"), UserFactory(
        username="secrets-approver", role="Утверждающий"
    )


@pytest.fixture
def service_password(condo_sandbox, settings) -> str:
    password = unique_secret("password")
    condo_sandbox.add_service_user(SERVICE_LOGIN, password)
    settings.CONDO_LOGIN, settings.CONDO_PASSWORD, settings.CONDO_TOKEN = SERVICE_LOGIN, password, ""
    return password


def named_batch(accountant, pdf_storage) -> Batch:
    """A draft of four receipts whose accounts carry distinctive full names; one receipt has its PDF."""
    batch = batch_with_receipts(receipts=4, organization=sandbox_organization(), status=Status.DRAFT)
    Batch.objects.filter(pk=batch.pk).update(created_by=accountant)
    receipts = list(Receipt.objects.filter(batch=batch).select_related("account").order_by("pk"))
    for receipt, name in zip(receipts, FULL_NAMES):
        Account.objects.filter(pk=receipt.account_id).update(full_name=name)
    archive = zip_of({f"{receipts[0].account.number}.pdf": make_pdf("secrets")})
    receipt_pdfs_attach(batch=batch, archive=io.BytesIO(archive), by=accountant)
    batch.refresh_from_db()
    return batch


def publish(batch: Batch, people, capture) -> Batch:
    """Submit and approve as two people; the approval's task publishes, reconciles and e-mails."""
    accountant, approver = people
    with capture(execute=True):
        batch_submit(batch=batch, by=accountant)
    with capture(execute=True):
        batch_approve(batch=Batch.objects.get(pk=batch.pk), by=approver)
    return Batch.objects.get(pk=batch.pk)


def admin_pages(client, batch: Batch) -> str:
    client.force_login(UserFactory(username="secrets-root", is_superuser=True))
    receipt = Receipt.objects.filter(batch=batch).first()
    urls = [
        reverse("admin:index"),
        reverse("admin:billing_batch_changelist"),
        reverse("admin:billing_batch_change", args=[batch.pk]),
        reverse("admin:billing_batch_progress", args=[batch.pk]),
        reverse("admin:billing_batch_pdfs", args=[batch.pk]),
        reverse("admin:billing_receipt_changelist"),
        reverse("admin:billing_receipt_change", args=[receipt.pk]),
        reverse("admin:billing_organization_change", args=[batch.organization_id]),
        reverse("admin:billing_audittransition_changelist"),
        reverse("admin:integration_condocall_changelist"),
        reverse("admin:integration_reconciliation_changelist"),
        reverse("admin:django_q_success_changelist"),
        reverse("admin:django_q_failure_changelist"),
    ]
    urls += [
        reverse("admin:integration_condocall_change", args=[pk])
        for pk in CondoCall.objects.filter(batch=batch).values_list("pk", flat=True)[:5]
    ]
    urls += [
        reverse("admin:integration_reconciliation_change", args=[pk])
        for pk in Reconciliation.objects.filter(batch=batch).values_list("pk", flat=True)
    ]
    pages = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        pages.append(response.content.decode())
    return "\n".join(pages)


def sandbox_tokens(sandbox) -> set[str]:
    return {row["token"] for row in sandbox.state.storage.db.execute("SELECT token FROM tokens")}


def emails() -> str:
    return "\n".join(f"{message.subject}\n{message.body}" for message in mail.outbox)


def assert_nowhere(secrets, *, logs, console: str, client, batch) -> None:
    """No secret in the log records, the console, the database, the batch's admin pages or the e-mails."""
    database, pages, mails = database_text(), admin_pages(client, batch), emails()
    for secret in secrets:
        assert secret not in logs, "a secret in a log record"
        assert secret not in console, "a secret in the console log"
        assert secret not in database, "a secret in a database row"
        assert secret not in pages, "a secret on an admin page"
        assert secret not in mails, "a secret in an e-mail"


def assert_names_masked(console: str) -> None:
    for name in FULL_NAMES:
        assert name not in console
        assert name.split()[0] not in console


# --- A publish with a login and password ----------------------------------------------------------


def test_a_full_publish_leaks_neither_the_password_nor_the_token(
    condo_sandbox, service_password, people, pdf_storage, client, django_capture_on_commit_callbacks
):
    batch = named_batch(people[0], pdf_storage)
    rejected = Receipt.objects.filter(batch=batch).order_by("pk").last()
    # Condo's answer to an unknown address quotes the whole receipt, the full name included.
    condo_sandbox.faults = FaultConfig(reject={rejected.import_id: "ADDRESS_NOT_RECOGNIZED_VALUE"})

    with captured_logs() as (raw, console):
        batch = publish(batch, people, django_capture_on_commit_callbacks)
        logging.getLogger("billing.test").warning("a line about %s", FULL_NAMES[0])

    assert batch.status == Status.PARTIALLY_PUBLISHED, batch.last_error
    assert batch.accepted_count == 3 and batch.rejected_count == 1
    assert Reconciliation.objects.filter(batch=batch).exists() and len(mail.outbox) == 1
    output = console.getvalue()
    assert "condo registerBillingReceipts" in output and "condo signin" in output  # the logs were caught
    tokens = sandbox_tokens(condo_sandbox)
    assert len(tokens) == 1
    assert_nowhere([service_password, *tokens], logs=raw.text, console=output, client=client, batch=batch)
    assert_names_masked(output)
    assert f"a line about {MASK}" in output and FULL_NAMES[0] in raw.text  # masked by the handler's filter


def test_the_token_lives_only_in_the_shared_cache(
    condo_sandbox, service_password, people, pdf_storage, settings, django_capture_on_commit_callbacks
):
    settings.CACHES = {
        **settings.CACHES,
        "tokens": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "security-tokens"},
    }
    settings.CONDO_TOKEN_CACHE = "tokens"
    batch = publish(named_batch(people[0], pdf_storage), people, django_capture_on_commit_callbacks)

    assert batch.status == Status.PUBLISHED, batch.last_error
    (token,) = sandbox_tokens(condo_sandbox)
    key = TokenStore(api_url=settings.CONDO_API_URL, login=SERVICE_LOGIN, cache=caches["tokens"]).key
    assert caches["tokens"].get(key) == token
    assert token not in database_text()
    caches["tokens"].clear()


# --- A publish with a ready token ------------------------------------------------------------------


def test_a_ready_token_is_never_logged_or_stored(
    condo_sandbox, service_password, people, pdf_storage, settings, client, django_capture_on_commit_callbacks
):
    with sandbox_client(condo_sandbox, login=SERVICE_LOGIN, password=service_password) as signed_in:
        signed_in.check_token()
    (token,) = sandbox_tokens(condo_sandbox)
    settings.CONDO_LOGIN, settings.CONDO_PASSWORD, settings.CONDO_TOKEN = "", "", token
    batch = named_batch(people[0], pdf_storage)

    with captured_logs() as (raw, console):
        batch = publish(batch, people, django_capture_on_commit_callbacks)

    assert batch.status == Status.PUBLISHED, batch.last_error
    assert sandbox_tokens(condo_sandbox) == {token}  # the ready token was used; nobody logged in
    output = console.getvalue()
    assert "condo registerBillingReceipts" in output and "condo signin" not in output
    assert_nowhere([token], logs=raw.text, console=output, client=client, batch=batch)
    assert_names_masked(output)


# --- Failures: the error texts people see -----------------------------------------------------------


def _exception_text(error: BaseException) -> str:
    return "".join(traceback.format_exception(error)) + repr(error) + str(getattr(error, "message", ""))


def test_a_wrong_password_fails_the_publish_without_quoting_it(
    condo_sandbox, service_password, people, pdf_storage, settings, client, django_capture_on_commit_callbacks
):
    wrong = unique_secret("wrong-password")
    settings.CONDO_PASSWORD = wrong
    batch = named_batch(people[0], pdf_storage)

    with captured_logs() as (raw, console):
        batch = publish(batch, people, django_capture_on_commit_callbacks)
        with pytest.raises(CondoError) as refused:
            CondoClient.from_settings().check_token()

    assert batch.status == Status.FAILED
    assert "CONDO_LOGIN / CONDO_PASSWORD" in batch.last_error  # says what is wrong, not the value
    reasons = " ".join(BatchTransition.objects.filter(batch=batch).values_list("reason", flat=True))
    assert "CONDO_PASSWORD" in reasons
    texts = [batch.last_error, reasons, _exception_text(refused.value)]
    assert all(wrong not in text and service_password not in text for text in texts)
    assert_nowhere([wrong, service_password], logs=raw.text, console=console.getvalue(), client=client, batch=batch)


def test_a_refused_token_fails_without_quoting_it(
    condo_sandbox, settings, people, pdf_storage, client, django_capture_on_commit_callbacks
):
    bogus = unique_secret("token")
    settings.CONDO_LOGIN, settings.CONDO_PASSWORD, settings.CONDO_TOKEN = "", "", bogus
    batch = named_batch(people[0], pdf_storage)

    with captured_logs() as (raw, console):
        batch = publish(batch, people, django_capture_on_commit_callbacks)
        with pytest.raises(CondoError) as refused:
            CondoClient.from_settings().check_token()

    assert batch.status == Status.FAILED and "CONDO_TOKEN" in batch.last_error
    assert bogus not in _exception_text(refused.value)
    assert_nowhere([bogus], logs=raw.text, console=console.getvalue(), client=client, batch=batch)


# --- The masking filter is where the settings say --------------------------------------------------


def test_every_configured_handler_masks(settings):
    assert settings.LOGGING["handlers"], "no handlers configured"
    for name, handler in settings.LOGGING["handlers"].items():
        assert "personal_data" in handler.get("filters", []), name
    assert len(console_handlers()) == len(settings.LOGGING["handlers"])
