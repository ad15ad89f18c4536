from django.core.management.base import CommandError

from billing.management.russian_help import DeskCommand
from billing.models import Batch
from billing.selectors.month import batch_publish_refusal
from integration.publishing.files import SENT_SEPARATELY, batch_send_pending_files, pdfs_pending_count
from integration.publishing.publisher import batch_publish
from integration.publishing.retry import batch_retry_rejected


class Command(DeskCommand):
    help = (
        "Опубликовать пакет в Condo, не уходя в фон (утверждённый, со сбоем, опубликованный частично или "
        "публикуемый с истёкшей арендой). Отправляется только то, что Condo ещё не принял; выход 0, если пакет "
        "опубликован. У опубликованного пакета отправляются прикреплённые позже PDF, статус не меняется."
    )

    def add_arguments(self, parser):
        parser.add_argument("batch_id", type=int, metavar="ID_ПАКЕТА", help="Номер пакета (№ на странице пакета).")
        parser.add_argument(
            "--retry-rejected",
            action="store_true",
            help="Отправить ещё раз квитанции, которые Condo отклонил (после исправления причины).",
        )

    def handle(self, *args, batch_id, retry_rejected, **options):
        try:
            batch = Batch.objects.get(pk=batch_id)
        except Batch.DoesNotExist:
            raise CommandError(f"Пакет №{batch_id} не найден.", returncode=2) from None
        refusal = batch_publish_refusal(batch)
        if refusal:
            raise CommandError(refusal, returncode=1)
        if batch.status in SENT_SEPARATELY and not retry_rejected and pdfs_pending_count(batch_id=batch_id):
            # PDFs attached after publishing go on their own; the batch keeps its status.
            files = batch_send_pending_files(batch_id=batch_id)
            if files.busy or files.error:
                raise CommandError(f"Пакет №{batch_id}: {files.summary}", returncode=1)
            self.stdout.write(f"Пакет №{batch_id}: {files.summary}")
            if batch.status == Batch.Status.PUBLISHED:
                return
        if batch.status == Batch.Status.PUBLISHED:
            self.stdout.write(f"Пакет №{batch_id} уже опубликован: отправлять нечего.")
            return
        if batch.status == Batch.Status.PARTIALLY_PUBLISHED and retry_rejected:
            batch_retry_rejected(batch=batch, by=None, enqueue=False)
        report = batch_publish(batch_id=batch_id)
        if report.status != Batch.Status.PUBLISHED:
            raise CommandError(report.summary, returncode=1)
        self.stdout.write(report.summary)
