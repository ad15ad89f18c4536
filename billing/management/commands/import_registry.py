"""`manage.py import_registry FILE --organization TIN --period YYYY-MM [--format NAME] [--user U] [--json]`."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from billing.errors import ApplicationError
from billing.formatting import format_money, money_data
from billing.importers.formats import AUTO, format_choices
from billing.management.russian_help import DeskCommand
from billing.models import Organization
from billing.periods import month_parse
from billing.plurals import counted
from billing.services.registry.parse import custom_layouts
from billing.services.registry.write import registry_import

logger = logging.getLogger(__name__)


class Command(DeskCommand):
    help = (
        "Проверить реестр одной УК за один месяц и создать из него пакет-черновик: при любой ошибке "
        "не создаётся ничего, ошибки перечислены с номером строки, столбцом и значением."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file", type=Path, metavar="ФАЙЛ", help="Реестр: xlsx, xls, ods или текстовый реестр Сбербанка."
        )
        parser.add_argument(
            "--organization",
            required=True,
            metavar="ИНН",
            help="ИНН управляющей компании, чей это реестр (10 или 12 цифр). УК регистрирует add_organization "
            "или администратор в разделе «Управляющие компании».",
        )
        parser.add_argument("--period", required=True, metavar="ГГГГ-ММ", help="Месяц начислений, например 2026-10.")
        parser.add_argument(
            "--format",
            default=AUTO,
            metavar="ФОРМАТ",
            help="Формат реестра; по умолчанию определяется по содержимому. Коды: "
            + ", ".join(f"{code} — {label}" for code, label in format_choices() if code != AUTO)
            + ".",
        )
        parser.add_argument(
            "--user", metavar="ЛОГИН", help="От чьего имени создаётся пакет (по умолчанию — первый суперпользователь)."
        )
        parser.add_argument("--json", action="store_true", help="Последней строкой вывести итог в JSON.")

    def handle(self, *args, **options):
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"Файл не найден: {path}")
        try:
            period = month_parse(options["period"])
        except ValueError as error:
            raise CommandError("Период указывается как YYYY-MM, например 2026-10.") from error
        organization = (
            Organization.objects.select_related("default_recipient").filter(tin=options["organization"]).first()
        )
        if organization is None:
            raise CommandError(f"Управляющая компания с ИНН {options['organization']} не найдена.")
        codes = {code for code, _ in format_choices(custom_layouts(organization))}
        if options["format"] not in codes:
            raise CommandError(f"Неизвестный формат «{options['format']}». Допустимы: {', '.join(sorted(codes))}.")
        user = self._user(options["user"])
        try:
            outcome = registry_import(
                organization=organization, period=period, path=path, by=user, format_code=options["format"]
            )
        except ApplicationError as error:
            raise CommandError(error.message) from error
        except Exception as error:
            # Nothing was created (the batch is written in one transaction); the traceback goes to the log.
            logger.exception("import_registry %s failed", path.name)
            raise CommandError(
                f"Внутренняя ошибка при импорте ({type(error).__name__}). Ничего не создано; "
                "подробности в журнале, сообщите администратору."
            ) from error
        result = outcome.result
        if outcome.batch is None:
            for error in result.errors:
                self.stderr.write(str(error))
            if result.errors_count > len(result.errors):
                self.stderr.write(f"… и ещё {counted(result.errors_count - len(result.errors), 'error')}")
            raise CommandError(f"Реестр отклонён: ошибок {result.errors_count}. Ничего не создано.")
        batch = outcome.batch
        self.stdout.write(
            self.style.SUCCESS(
                f"Пакет №{batch.pk} создан ({result.format_label}): лицевых счетов {batch.accounts_count}, "
                f"квитанций {batch.receipts_count}, строк услуг {batch.service_lines_count}, "
                f"итого к оплате {format_money(batch.total_to_pay)} ₽"
            )
        )
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "batch_id": batch.pk,
                        "receipts": batch.receipts_count,
                        "service_lines": batch.service_lines_count,
                        "total_to_pay": money_data(batch.total_to_pay),
                    }
                )
            )

    def _user(self, username: str | None):
        users = get_user_model().objects
        if username:
            user = users.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"Пользователь «{username}» не найден или отключён.")
            return user
        user = users.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if user is None:
            raise CommandError("Укажите --user: суперпользователя, от имени которого создать пакет, нет.")
        return user
