"""`manage.py batch {submit,approve,reject,withdraw} BATCH_ID --user USERNAME [--reason TEXT]`.

The same workflow services as the admin buttons, for scripts and operators; in integration because
withdrawal talks to Condo in the foreground (billing does not import integration). Exit codes:
0 done; 1 unknown batch or user; 2 refused by the workflow (state, role, four eyes, reason).
Every refusal is one line on stderr.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from billing.errors import ApplicationError
from billing.management.russian_help import DeskCommand
from billing.models import Batch
from billing.services.batches import batch_approve, batch_reject, batch_submit
from integration.condo import CondoError
from integration.publishing.withdrawal import batch_withdraw_from_condo

NOT_FOUND = 1
REFUSED = 2


class Command(DeskCommand):
    help = (
        "Перевести пакет по процессу утверждения от имени пользователя, без вопросов. Выход 0: сделано; "
        "1: пакет или пользователь не найден; 2: действие запрещено (статус, роль, четыре глаза, нет причины)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "action",
            choices=["submit", "approve", "reject", "withdraw"],
            help="submit — отправить на утверждение, approve — утвердить (публикация начнётся сама), "
            "reject — отклонить, withdraw — отозвать опубликованный пакет из Condo.",
        )
        parser.add_argument("batch_id", type=int, metavar="ID_ПАКЕТА", help="Номер пакета (№ на странице пакета).")
        parser.add_argument("--user", required=True, help="Логин пользователя, от имени которого действие.")
        parser.add_argument("--reason", default="", help="Причина (обязательна для reject и withdraw).")

    def handle(self, *args, action: str, batch_id: int, user: str, reason: str, **options) -> None:
        actor = get_user_model().objects.filter(username=user).first()
        if actor is None or not actor.is_active:
            raise CommandError(f"Пользователь «{user}» не найден или отключён.", returncode=NOT_FOUND)
        batch = Batch.objects.select_related("organization").filter(pk=batch_id).first()
        if batch is None:
            raise CommandError(f"Пакет №{batch_id} не найден.", returncode=NOT_FOUND)
        try:
            if action == "submit":
                batch = batch_submit(batch=batch, by=actor)
            elif action == "approve":
                batch = batch_approve(batch=batch, by=actor)
            elif action == "reject":
                batch = batch_reject(batch=batch, by=actor, reason=reason)
            else:
                # In the foreground: the receipts leave Condo before the command answers.
                batch = batch_withdraw_from_condo(batch=batch, by=actor, reason=reason)
        except ApplicationError as error:
            raise CommandError(error.message, returncode=REFUSED) from error
        except CondoError as error:
            raise CommandError(f"Condo: {error}", returncode=REFUSED) from error
        self.stdout.write(f"{batch}: статус «{batch.get_status_display()}».")
