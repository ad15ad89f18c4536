from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from billing.errors import ApplicationError
from billing.formatting import format_money
from billing.management.russian_help import DeskCommand
from billing.services.demo import demo_organization_ensure, demo_registry_ensure, demo_users_ensure


class Command(DeskCommand):
    help = "Подготовить демо-установку: роли, пользователи, демо-УК и её реестр. Можно запускать повторно; только при DEBUG."

    def handle(self, *args, **options):
        try:
            logins = demo_users_ensure()
            demo_organization_ensure()
            batch = demo_registry_ensure(get_user_model().objects.get(username="accountant"))
        except ApplicationError as error:
            raise CommandError(error.message) from error
        self.stdout.write(self.style.SUCCESS("Демо-установка готова. Входите на http://127.0.0.1:8000/admin/"))
        for login in logins:
            self.stdout.write(f"  {login.role:<18} логин: {login.username:<12} пароль: {login.password}")
        self.stdout.write(
            f"  Демо-пакет №{batch.pk} ({batch.organization.name}, {batch.period:%m.%Y}): "
            f"квитанций {batch.receipts_count}, итого к оплате {format_money(batch.total_to_pay)} ₽"
        )
