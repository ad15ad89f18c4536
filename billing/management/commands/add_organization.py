"""`manage.py add_organization --name NAME --tin TIN --condo-context-id ID`: idempotent by TIN."""

from __future__ import annotations

from django.core.management.base import CommandError

from billing.errors import ApplicationError
from billing.management.russian_help import DeskCommand
from billing.services.organizations import organization_ensure


class Command(DeskCommand):
    help = "Зарегистрировать управляющую компанию (повторный запуск с тем же ИНН обновляет её, а не дублирует)."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="Название УК.")
        parser.add_argument("--tin", required=True, help="ИНН: 10 или 12 цифр.")
        parser.add_argument(
            "--condo-context-id", required=True, help="ID BillingIntegrationOrganizationContext в Condo."
        )

    def handle(self, *args, name: str, tin: str, condo_context_id: str, **options) -> None:
        try:
            result = organization_ensure(name=name, tin=tin, condo_context_id=condo_context_id)
        except ApplicationError as error:
            raise CommandError(error.message, returncode=2) from error
        organization = result.organization
        if result.created:
            verdict = "создана"
        elif result.changed:
            verdict = "обновлена"
        else:
            verdict = "уже есть, без изменений"
        self.stdout.write(f"УК {organization} {verdict} (id {organization.pk}).")
