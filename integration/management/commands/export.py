"""`manage.py export {receipts,reconciliation,summary,import-errors} … --output FILE`: the admin's Excel reports.

    export receipts BATCH_ID [BATCH_ID …] --output FILE
    export reconciliation RECONCILIATION_ID --output FILE
    export reconciliation --batch BATCH_ID --output FILE      (the batch's latest reconciliation)
    export summary --period YYYY-MM [--organization TIN] --output FILE
    export import-errors UPLOAD_ID --output FILE

Exit codes: 0 written; 1 nothing found; 2 bad arguments. The file appears only when complete:
the export is written next to it and renamed. It lives in integration because the reconciliation
is integration's record (billing does not import integration).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from django.core.management.base import CommandError

from billing.exports.import_errors import import_errors_export
from billing.exports.receipts import receipts_export
from billing.exports.summary import summary_export
from billing.management.russian_help import DeskCommand
from billing.models import Batch, Organization, RegistryUpload
from billing.periods import month_parse
from integration.exports.reconciliation import reconciliation_export
from integration.selectors import batch_latest_reconciliation, reconciliation_by_id

NOT_FOUND = 1
BAD_ARGUMENTS = 2


class Command(DeskCommand):
    help = "Выгрузить отчёт в Excel (xlsx): квитанции пакета, сверку, сводку за месяц или ошибки реестра."

    def add_arguments(self, parser):
        reports = parser.add_subparsers(
            dest="report", required=True, metavar="{receipts,reconciliation,summary,import-errors}", title="отчёты"
        )
        receipts = reports.add_parser("receipts", help="Квитанции пакетов с результатом публикации.")
        receipts.add_argument("batch_ids", nargs="+", type=int, metavar="ID_ПАКЕТА", help="Номера пакетов.")
        reconciliation = reports.add_parser("reconciliation", help="Расхождения сверки с Condo.")
        reconciliation.add_argument(
            "reconciliation_id", nargs="?", type=int, metavar="ID_СВЕРКИ", help="Номер сверки (или --batch)."
        )
        reconciliation.add_argument("--batch", type=int, dest="batch_id", help="Последняя сверка этого пакета.")
        summary = reports.add_parser("summary", help="Сводка по управляющим компаниям за месяц.")
        summary.add_argument("--period", required=True, metavar="ГГГГ-ММ", help="Месяц, например 2026-10.")
        summary.add_argument(
            "--organization",
            default="",
            metavar="ИНН",
            help="ИНН управляющей компании (10 или 12 цифр); без него — все УК.",
        )
        errors = reports.add_parser("import-errors", help="Все ошибки отклонённого реестра.")
        errors.add_argument("upload_id", type=int, metavar="ID_ЗАГРУЗКИ", help="Номер загрузки реестра.")
        for sub in (receipts, reconciliation, summary, errors):
            sub.add_argument("--output", "-o", required=True, metavar="ФАЙЛ", help="Путь к создаваемому файлу .xlsx.")

    def handle(self, *args, report: str, output: str, **options) -> None:
        export, kwargs, label = getattr(self, f"_{report.replace('-', '_')}")(**options)
        rows = _write_atomically(Path(output), export, kwargs)
        self.stdout.write(f"{label}: строк {rows}, файл {output}")

    # --- each report: (export function, its arguments, a label) --------------------------------

    def _receipts(self, *, batch_ids: list[int], **options):
        batches = list(Batch.objects.filter(pk__in=batch_ids))
        missing = sorted(set(batch_ids) - {batch.pk for batch in batches})
        if missing:
            raise CommandError(f"Пакет №{missing[0]} не найден.", returncode=NOT_FOUND)
        return receipts_export, {"batches": batches}, "Квитанции пакетов " + ", ".join(f"№{pk}" for pk in batch_ids)

    def _reconciliation(self, *, reconciliation_id: int | None, batch_id: int | None, **options):
        if (reconciliation_id is None) == (batch_id is None):
            raise CommandError("Укажите либо номер сверки, либо --batch с номером пакета.", returncode=BAD_ARGUMENTS)
        if reconciliation_id is not None:
            reconciliation = reconciliation_by_id(reconciliation_id=reconciliation_id)
            where = f"Сверка №{reconciliation_id}"
        elif batch_id is not None:
            reconciliation = batch_latest_reconciliation(batch_id=batch_id, with_differences=True)
            where = f"Сверка пакета №{batch_id}"
        if reconciliation is None:
            raise CommandError(f"{where} не найдена.", returncode=NOT_FOUND)
        return reconciliation_export, {"reconciliation": reconciliation}, f"Сверка №{reconciliation.pk}"

    def _summary(self, *, period: str, organization: str, **options):
        try:
            month = month_parse(period)
        except ValueError:
            raise CommandError(f"Период «{period}» не похож на ГГГГ-ММ.", returncode=BAD_ARGUMENTS) from None
        org = None
        if organization:
            org = Organization.objects.filter(tin=organization).first()
            if org is None:
                raise CommandError(f"УК с ИНН {organization} не найдена.", returncode=NOT_FOUND)
        return summary_export, {"period": month, "organization": org}, f"Сводка за {month:%m.%Y}"

    def _import_errors(self, *, upload_id: int, **options):
        uploads = RegistryUpload.objects.select_related("organization").defer("errors_report")
        upload = uploads.filter(pk=upload_id).first()
        if upload is None:
            raise CommandError(f"Загрузка №{upload_id} не найдена.", returncode=NOT_FOUND)
        return import_errors_export, {"upload": upload}, f"Ошибки загрузки №{upload_id}"


def _write_atomically(path: Path, export, kwargs: dict) -> int:
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise CommandError(f"Папки {directory} нет.", returncode=BAD_ARGUMENTS)
    handle, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=directory)
    try:
        with os.fdopen(handle, "wb") as out:
            rows = export(out=out, **kwargs)
        os.replace(partial, path)
    except BaseException:
        if os.path.exists(partial):
            os.unlink(partial)
        raise
    return rows
