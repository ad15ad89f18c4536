"""`manage.py attach_receipt_pdfs BATCH_ID ZIP [--user U] [--json]`: attach the receipts' PDFs to a batch."""

from __future__ import annotations

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from billing.errors import ApplicationError
from billing.management.russian_help import DeskCommand
from billing.models import Batch
from billing.services.pdf_names import RULE
from billing.services.receipt_pdfs import receipt_pdfs_attach

LISTED = 50  # names printed per list; --json carries them all


class Command(DeskCommand):
    help = (
        f"Прикрепить к квитанциям пакета PDF из ZIP-архива. Имя файла — {RULE}. "
        "Опасный архив отклоняется целиком; негодные файлы перечисляются. Выход 0: архив принят; "
        "1: архив отклонён; 2: пакет или файл не найден."
    )

    def add_arguments(self, parser):
        parser.add_argument("batch_id", type=int, metavar="ID_ПАКЕТА", help="Номер пакета (№ на странице пакета).")
        parser.add_argument("archive", type=Path, metavar="АРХИВ", help="ZIP-архив с PDF квитанций.")
        parser.add_argument(
            "--user", metavar="ЛОГИН", help="Логин бухгалтера (по умолчанию — первый суперпользователь)."
        )
        parser.add_argument("--json", action="store_true", help="Последней строкой вывести итог в JSON.")

    def handle(self, *args, batch_id: int, archive: Path, **options):
        batch = Batch.objects.select_related("organization").filter(pk=batch_id).first()
        if batch is None:
            raise CommandError(f"Пакет №{batch_id} не найден.", returncode=2)
        if not archive.is_file():
            raise CommandError(f"Файл не найден: {archive}", returncode=2)
        user = self._user(options["user"])
        try:
            with archive.open("rb") as stream:
                report = receipt_pdfs_attach(batch=batch, archive=stream, by=user)
        except ApplicationError as error:
            raise CommandError(f"Архив не принят, ничего не сохранено: {error.message}", returncode=1) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Пакет №{batch.pk}: файлов {report.files}, прикреплено новых или изменённых {report.attached}, "
                f"без изменений {report.unchanged}, не подошли ни к одной квитанции {len(report.unmatched)}, "
                f"отклонено {len(report.refused)}, квитанций без PDF {report.receipts_without_file}."
            )
        )
        for refusal in report.refused[:LISTED]:
            self.stdout.write(f"  отклонён «{refusal.name}»: {refusal.reason}")
        for name in report.unmatched[:LISTED]:
            self.stdout.write(f"  нет квитанции для «{name}»")
        for account in report.receipts_without_file_sample[:LISTED]:
            self.stdout.write(f"  без PDF: {account}")
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "batch_id": batch.pk,
                        "files": report.files,
                        "attached": report.attached,
                        "unchanged": report.unchanged,
                        "unmatched": report.unmatched,
                        "refused": [{"name": r.name, "reason": r.reason} for r in report.refused],
                        "receipts_without_file": report.receipts_without_file,
                    },
                    ensure_ascii=False,
                )
            )

    def _user(self, username: str | None):
        users = get_user_model().objects
        if username:
            user = users.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"Пользователь «{username}» не найден или отключён.", returncode=2)
            return user
        user = users.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if user is None:
            raise CommandError("Укажите --user: суперпользователя нет.", returncode=2)
        return user
