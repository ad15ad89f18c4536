import json

from django.core.management.base import CommandError

from billing.formatting import format_money, money_data
from billing.management.russian_help import DeskCommand
from billing.models import Batch
from integration.condo import CondoError
from integration.exports.reconciliation import KINDS as DIFFERENCE_KINDS
from integration.publishing.reconciliation import batch_reconcile

DIFFERENCES_EXIT_CODE = 3


class Command(DeskCommand):
    help = (
        "Сверить пакет с тем, что Condo хранит для контекста его УК за его месяц. "
        "Выход 0: расхождений нет; 3: есть расхождения; 2: пакет не найден."
    )

    def add_arguments(self, parser):
        parser.add_argument("batch_id", type=int, metavar="ID_ПАКЕТА", help="Номер пакета (№ на странице пакета).")
        parser.add_argument("--json", action="store_true", help="Вывести итог одной строкой JSON.")

    def handle(self, *args, batch_id, **options):
        try:
            batch = Batch.objects.select_related("organization").get(pk=batch_id)
        except Batch.DoesNotExist:
            raise CommandError(f"Пакет №{batch_id} не найден.", returncode=2) from None
        try:
            result = batch_reconcile(batch=batch)
        except CondoError as error:
            raise CommandError(f"Condo не ответил: {error}", returncode=1) from error
        summary = {
            "batch_id": batch.pk,
            "consistent": result.is_consistent,
            "batch_receipts": result.batch_receipts,
            "condo_receipts": result.condo_receipts,
            "missing_in_condo": result.missing_in_condo,
            "extra_in_condo": result.extra_in_condo,
            "amount_differs": result.amount_differs,
            "batch_total": money_data(result.batch_total),
            "condo_total": money_data(result.condo_total),
            "files_expected": result.files_expected,
            "files_in_condo": result.files_in_condo,
        }
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
        else:
            self.stdout.write(
                f"Пакет №{batch.pk}: в пакете без отклонённых {result.batch_receipts} ({format_money(result.batch_total)} ₽), "
                f"в Condo {result.condo_receipts} ({format_money(result.condo_total)} ₽); нет в Condo {result.missing_in_condo}, "
                f"лишних {result.extra_in_condo}, сумма отличается у {result.amount_differs}; "
                f"PDF отправлено {result.files_expected}, в Condo {result.files_in_condo}."
            )
            for difference in result.differences[:20]:
                kind = DIFFERENCE_KINDS.get(difference["kind"], difference["kind"])
                self.stdout.write(f"  {kind}: {difference['import_id']}")
        if not result.is_consistent:
            raise SystemExit(DIFFERENCES_EXIT_CODE)
