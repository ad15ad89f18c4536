import json

from django.core.management.base import BaseCommand, CommandError

from billing.errors import ApplicationError
from billing.models import Batch
from billing.plurals import counted
from billing.services.checks import batch_check_request
from integration.checking.run import batch_check_run

BLOCKED_EXIT_CODE = 4


class Command(BaseCommand):
    help = (
        "Check a batch before approval against Condo's data and rules, without sending it. "
        "Exit 0: nothing blocks approval; 4: something does."
    )

    def add_arguments(self, parser):
        parser.add_argument("batch_id", type=int)
        parser.add_argument(
            "--json",
            action="store_true",
            help="End with one JSON line: accounts_new, accounts_missing, accounts_changed, problems.",
        )

    def handle(self, *args, batch_id, **options):
        batch = Batch.objects.select_related("organization").filter(pk=batch_id).first()
        if batch is None:
            raise CommandError(f"Пакет №{batch_id} не найден.", returncode=2)
        try:
            check = batch_check_request(batch=batch, by=None)
        except ApplicationError as error:
            raise CommandError(error.message, returncode=2) from error
        try:
            run = batch_check_run(check_id=check.pk, keep_all=True)
        except Exception as error:  # logged with its traceback by the service; the check is marked failed
            raise CommandError(
                f"Проверка №{check.pk} не выполнилась из-за внутренней ошибки; подробности в журнале сервера.",
                returncode=1,
            ) from error
        if run is None:
            raise CommandError(f"Проверку №{check.pk} уже выполняет другой процесс.", returncode=1)
        check, everything = run.check, run.findings.everything
        assert everything is not None, "keep_all=True keeps every finding"
        self.stdout.write(
            f"Пакет №{batch.pk}: проверено {counted(check.receipts_checked, 'receipt')}; нарушений правил Condo "
            f"{check.problems_count} {counted(check.receipts_with_problems, 'in_receipts')}."
        )
        if check.condo_checked:
            self.stdout.write(
                f"Condo: счетов {check.condo_accounts}, квитанций за прошлый месяц {check.previous_receipts}; "
                f"новых {check.accounts_new}, исчезли из реестра {check.accounts_missing}, "
                f"другой адрес или помещение {check.accounts_changed}."
            )
        else:
            self.stdout.write(f"С данными Condo не сверено: {check.condo_error}.")
        if not options["json"]:
            for problem in everything["problems"][:20]:
                self.stdout.write(f"  {problem['account']}: {problem['code']}: {problem['message']}")
        else:
            self.stdout.write(
                json.dumps(
                    {
                        "batch_id": batch.pk,
                        "check_id": check.pk,
                        "blocking": check.blocking,
                        "receipts_checked": check.receipts_checked,
                        "condo_checked": check.condo_checked,
                        "condo_error": check.condo_error,
                        "accounts_new": [item["account"] for item in everything["new"]],
                        "accounts_missing": [item["account"] for item in everything["missing"]],
                        "accounts_changed": everything["changed"],
                        "problems": everything["problems"],
                    },
                    ensure_ascii=False,
                )
            )
        if check.blocking:
            raise SystemExit(BLOCKED_EXIT_CODE)
