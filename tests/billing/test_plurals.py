"""Every count and every phrase Django composes from a verbose_name, in correct Russian."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import reverse
from django.utils import translation

from billing.plurals import MODEL_NOUNS, NOUNS, counted, model_count
from tests.factories import BatchFactory, ReceiptFactory

LOCALE = Path(settings.BASE_DIR) / "locale" / "ru" / "LC_MESSAGES"

# One number of each Russian form, and the numbers that trip naive rules (11–14, 111, 1 000 001).
FORMS = {
    "receipt": {
        1: "1 квитанция",
        2: "2 квитанции",
        5: "5 квитанций",
        11: "11 квитанций",
        14: "14 квитанций",
        21: "21 квитанция",
        22: "22 квитанции",
        111: "111 квитанций",
        0: "0 квитанций",
    },
    "in_receipts": {1: "в 1 квитанции", 3: "в 3 квитанциях", 11: "в 11 квитанциях", 21: "в 21 квитанции"},
    "account": {1: "1 лицевой счёт", 3: "3 лицевых счёта", 6: "6 лицевых счетов"},
    "batch": {0: "0 пакетов", 1: "1 пакет", 4: "4 пакета", 12: "12 пакетов"},
    "call": {1: "1 вызов Condo", 2: "2 вызова Condo", 7: "7 вызовов Condo"},
    "column_map": {1: "1 раскладка", 2: "2 раскладки", 5: "5 раскладок"},
    "error": {1: "1 ошибка", 3: "3 ошибки", 25: "25 ошибок"},
    "file": {1: "1 файл", 2: "2 файла", 5: "5 файлов"},
    "group": {1: "1 группа", 2: "2 группы", 5: "5 групп"},
    "journal_entry": {1: "1 запись журнала", 3: "3 записи журнала", 8: "8 записей журнала"},
    "line": {1: "1 строка услуг", 2: "2 строки услуг", 5: "5 строк услуг"},
    "organization": {1: "1 управляющая компания", 2: "2 управляющие компании", 5: "5 управляющих компаний"},
    "property": {1: "1 дом", 2: "2 дома", 5: "5 домов"},
    "recipient": {1: "1 получатель платежа", 2: "2 получателя платежа", 5: "5 получателей платежа"},
    "reconciliation": {1: "1 сверка", 2: "2 сверки", 5: "5 сверок"},
    "row": {1: "1 строка", 2: "2 строки", 5: "5 строк"},
    "transition": {1: "1 переход", 2: "2 перехода", 5: "5 переходов"},
    "upload": {1: "1 загрузка реестра", 2: "2 загрузки реестра", 5: "5 загрузок реестра"},
    "user": {1: "1 пользователь", 2: "2 пользователя", 5: "5 пользователей"},
}


@pytest.fixture(autouse=True)
def russian():
    with translation.override("ru"):
        yield


def test_every_noun_has_its_three_forms_checked():
    assert set(FORMS) == set(NOUNS)


@pytest.mark.parametrize(
    ("noun", "count", "phrase"), [(n, c, p) for n, forms in FORMS.items() for c, p in forms.items()]
)
def test_counted_noun(noun, count, phrase):
    assert counted(count, noun) == phrase


def test_thousands_are_grouped_with_a_space_and_the_form_follows_the_last_digits():
    assert counted(1_000_001, "receipt") == "1\xa0000\xa0001 квитанция"
    assert counted(12_345, "receipt") == "12\xa0345 квитанций"


def test_every_admin_list_counts_in_its_own_noun_or_a_neutral_phrase():
    registered = {model._meta.label_lower for model in admin.site._registry}
    ours = {label for label in registered if label.split(".")[0] in ("billing", "integration")}
    assert ours <= set(MODEL_NOUNS), f"lists without a counted noun: {sorted(ours - set(MODEL_NOUNS))}"
    batch_opts = apps.get_model("billing", "batch")._meta
    assert model_count(4, batch_opts) == "4 пакета" and model_count(0, batch_opts) == "0 пакетов"
    assert model_count(8, apps.get_model("billing", "audittransition")._meta) == "8 записей журнала"
    schedule = apps.get_model("django_q", "schedule")._meta
    assert (
        model_count(3, schedule) == f"{schedule.verbose_name_plural[:1].upper()}{schedule.verbose_name_plural[1:]}: 3"
    )


def _catalog() -> dict[tuple[str, int | None], str]:
    """The .po file read plainly: (msgid, plural index or None) → msgstr."""
    entries, current, field = {}, {}, None
    for line in [*(LOCALE / "django.po").read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip() or line.startswith("#"):
            if current.get("msgid"):
                for key, value in current.items():
                    if key.startswith("msgstr"):
                        index = re.search(r"\[(\d)\]", key)
                        entries[(current["msgid"], int(index[1]) if index else None)] = value
            current, field = {}, None
            continue
        match = re.match(r'^(msgid_plural|msgid|msgstr(?:\[\d\])?) "(.*)"$', line)
        if match:
            field = match[1]
            current[field] = match[2]
        else:
            current[field] += re.match(r'^"(.*)"$', line)[1]
    return {key: value.encode().decode("unicode_escape").encode("latin-1").decode() for key, value in entries.items()}


def test_the_committed_mo_is_the_compiled_po():
    """Run `msgfmt` after editing the .po: the server reads the .mo only."""
    with (LOCALE / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    written = _catalog()
    assert written, "the .po has no entries"
    for (msgid, index), text in written.items():
        if index is None:
            assert compiled.gettext(msgid) == text, msgid
    plural_ids = {msgid for msgid, index in written if index is not None}
    for msgid in plural_ids:
        # 1, 2 and 5 pick the forms 0, 1 and 2 under the catalog's Plural-Forms.
        for index in (0, 1, 2):
            assert compiled._catalog[(msgid, index)] == written[(msgid, index)]
        assert compiled.plural(21) == 0 and compiled.plural(12) == 2 and compiled.plural(23) == 1


@pytest.mark.django_db
def test_django_phrases_keep_the_name_in_the_nominative(client, superuser):
    """«Просмотреть сверка с Condo», «Выберите квитанция для просмотра», «0 пакеты» never appear."""
    client.force_login(superuser)
    receipt = ReceiptFactory()
    BatchFactory.create_batch(3)

    page = client.get(reverse("admin:billing_receipt_changelist")).content.decode()
    assert "Выбор для просмотра: квитанция" in page
    assert "Выберите квитанция" not in page

    page = client.get(reverse("admin:billing_receipt_change", args=[receipt.pk])).content.decode()
    assert "Просмотр: квитанция" in page and "Просмотреть квитанция" not in page

    page = client.get(reverse("admin:billing_batch_changelist")).content.decode()
    assert "4 пакета" in page and "пакеты\n" not in page

    page = client.get(reverse("admin:billing_organization_changelist")).content.decode()
    assert "Выбор для изменения: управляющая компания" in page
    assert "Добавить: управляющая компания" in page

    page = client.get(reverse("admin:billing_audittransition_changelist")).content.decode()
    assert re.search(r"\d+ (переход|перехода|переходов|запись журнала|записи журнала|записей журнала)\b", page)
    assert not re.search(r"\d+ журнал аудита", page)


@pytest.mark.django_db
def test_the_admin_has_no_link_to_a_public_site(client, superuser):
    client.force_login(superuser)
    page = client.get(reverse("admin:index")).content.decode()
    assert "Открыть сайт" not in page and "Смотреть на сайте" not in page


@pytest.mark.django_db
def test_the_batch_page_counts_receipts_and_accounts_in_russian(client, superuser):
    receipt = ReceiptFactory()
    client.force_login(superuser)
    page = client.get(reverse("admin:billing_batch_change", args=[receipt.batch_id])).content.decode()
    assert "Итого по квитанциям (1 квитанция, 1 лицевой счёт)" in page
