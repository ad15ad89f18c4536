"""Receipts (квитанции) and their service lines, mirroring Condo's BillingReceipt."""

from __future__ import annotations

from datetime import date

from django.db import models
from django.db.models import Q

from billing.models.organizations import OwnerType, UnitType
from billing.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS


def money_field(verbose_name: str, **kwargs) -> models.DecimalField:
    return models.DecimalField(
        verbose_name, max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, default=0, **kwargs
    )


def receipt_import_id(*, organization_tin: str, period: date, account_number: str, category: str) -> str:
    """Condo's importId of a logical receipt.

    It depends only on the organization, the account, the month and the category, never on
    the batch: a corrected registry for the same month then updates the receipts Condo holds
    instead of creating duplicates (contract 5.3).
    """
    return f"{organization_tin}:{period:%Y-%m}:{account_number}:{category}"


class AmountFields(models.Model):
    """The seven amounts of billing.amounts, in its order: a receipt's own, and each service line's."""

    balance = money_field("долг на начало")
    charge = money_field("начислено")
    recalculation = money_field("перерасчёт")
    privilege = money_field("льготы")
    penalty = money_field("пени")
    paid = money_field("оплачено")
    to_pay = money_field("итого к оплате")

    class Meta:
        abstract = True


class ReceiptCategory(models.TextChoices):
    HOUSING = "housing", "ЖКУ"
    CAPITAL_REPAIR = "capital_repair", "Капремонт"
    ELECTRICITY = "electricity", "Электроэнергия"


class PublishState(models.TextChoices):
    PENDING = "pending", "Ожидает отправки"
    ACCEPTED = "accepted", "Принята"
    REJECTED = "rejected", "Отклонена"
    WITHDRAWN = "withdrawn", "Отозвана"


class CondoWarning(models.TextChoices):
    """Accepted by Condo, but not as residents can use it (contract 13.5, 13.2)."""

    RECIPIENT_NOT_APPROVED = "RECIPIENT_NOT_APPROVED", "Принята, получатель не подтверждён"
    INVALID_SERVICES = "INVALID_SERVICES", "Принята, сумма услуг не сходится"


class Receipt(AmountFields):
    Category = ReceiptCategory
    PublishState = PublishState
    CondoWarning = CondoWarning
    batch = models.ForeignKey("billing.Batch", verbose_name="пакет", on_delete=models.CASCADE, related_name="receipts")
    organization = models.ForeignKey(
        "billing.Organization", verbose_name="УК", on_delete=models.PROTECT, related_name="+"
    )
    account = models.ForeignKey(
        "billing.Account", verbose_name="лицевой счёт", on_delete=models.PROTECT, related_name="receipts"
    )
    period = models.DateField("период")
    category = models.CharField("категория", max_length=16, choices=Category.choices, default=Category.HOUSING)
    recipient = models.ForeignKey(
        "billing.Recipient", verbose_name="получатель", on_delete=models.PROTECT, related_name="+"
    )
    import_id = models.CharField("importId", max_length=128)

    # What the registry said of the account when this batch was imported. A receipt carries its own
    # copy because the directory of accounts and houses follows the newest import: an approved
    # batch must send and show exactly what was approved, whatever a later registry says.
    account_number = models.CharField("лицевой счёт", max_length=64, default="", editable=False)
    payer_name = models.CharField("ФИО / наименование", max_length=255, blank=True, editable=False)
    address = models.CharField("адрес", max_length=500, default="", editable=False)
    house_global_id = models.CharField("ФИАС / глобальный ID дома", max_length=64, blank=True, editable=False)
    unit_name = models.CharField("помещение", max_length=64, blank=True, editable=False)
    unit_type = models.CharField(
        "тип помещения", max_length=16, choices=UnitType.choices, default=UnitType.FLAT, editable=False
    )
    owner_type = models.CharField(
        "тип владельца",
        max_length=16,
        choices=OwnerType.choices,
        blank=True,
        editable=False,
        help_text="Пусто, если реестр его не указал: тогда Condo определяет его по ФИО.",
    )
    is_closed = models.BooleanField("счёт закрыт", default=False, editable=False)
    els = models.CharField("ЕЛС", max_length=32, blank=True, editable=False)

    publish_state = models.CharField(
        "состояние публикации", max_length=16, choices=PublishState.choices, default=PublishState.PENDING
    )
    condo_id = models.CharField("ID в Condo", max_length=64, blank=True)
    error_code = models.CharField("код ошибки", max_length=64, blank=True)
    error_message = models.TextField("ошибка", blank=True)
    # Set with an accepted receipt Condo keeps other than meant; what the accountant should do is in the message.
    condo_warning = models.CharField(
        "предупреждение Condo", max_length=64, blank=True, default="", db_default="", choices=CondoWarning.choices
    )
    condo_warning_message = models.TextField("предупреждение Condo: что делать", blank=True, default="", db_default="")
    published_at = models.DateTimeField("принята", null=True, blank=True)
    created_at = models.DateTimeField("создана", auto_now_add=True)
    updated_at = models.DateTimeField("изменена", auto_now=True)

    class Meta:
        verbose_name = "квитанция"
        verbose_name_plural = "квитанции"
        constraints = [
            models.UniqueConstraint(fields=["batch", "account", "category"], name="receipt_one_per_account_category"),
            models.UniqueConstraint(fields=["batch", "import_id"], name="receipt_import_id_unique"),
            models.CheckConstraint(
                condition=Q(publish_state__in=PublishState.values), name="receipt_publish_state_known"
            ),
            models.CheckConstraint(condition=Q(category__in=ReceiptCategory.values), name="receipt_category_known"),
            models.CheckConstraint(condition=Q(period__day=1), name="receipt_period_first_day"),
            models.CheckConstraint(condition=Q(unit_type__in=UnitType.values), name="receipt_unit_type_known"),
            models.CheckConstraint(
                condition=Q(owner_type="") | Q(owner_type__in=OwnerType.values), name="receipt_owner_type_known"
            ),
            models.CheckConstraint(
                condition=~Q(publish_state="accepted") | ~Q(condo_id=""), name="receipt_accepted_has_condo_id"
            ),
        ]
        indexes = [
            models.Index(fields=["batch", "publish_state"], name="receipt_batch_state"),
            models.Index(fields=["batch", "id"], condition=Q(publish_state="pending"), name="receipt_pending"),
            # The batch page pages a batch's receipts by id: its last page of a 300,000-receipt batch
            # walks this index (Index Only Scan, OFFSET) instead of sorting every id of the batch.
            models.Index(fields=["batch", "id"], name="receipt_batch_id_order"),
            # The receipt list filters by organization, month and state and pages by -id: with id in
            # the index no filtered list sorts its rows.
            models.Index(fields=["organization", "period", "id"], name="receipt_org_period_id"),
            models.Index(fields=["publish_state", "id"], name="receipt_state_id"),
            models.Index(fields=["period", "id"], name="receipt_period_id"),
            models.Index(fields=["import_id"], name="receipt_import_id"),
            models.Index(fields=["error_code"], condition=~Q(error_code=""), name="receipt_error_code"),
            models.Index(
                fields=["batch", "condo_warning"], condition=~Q(condo_warning=""), name="receipt_condo_warning"
            ),
        ]

    def __str__(self) -> str:
        # The page's title and breadcrumb: words, not the importId (which ends in a category code).
        return f"Квитанция л/с {self.account_number} за {self.period:%m.%Y}, {self.get_category_display()}"


class ServiceLine(AmountFields):
    """One service of a receipt with its own details (Condo: an item of `services`)."""

    receipt = models.ForeignKey(
        Receipt, verbose_name="квитанция", on_delete=models.CASCADE, related_name="service_lines"
    )
    service_id = models.CharField("код услуги", max_length=64)
    name = models.CharField("услуга", max_length=255)
    volume = models.DecimalField("объём", max_digits=16, decimal_places=6, null=True, blank=True)
    tariff = models.DecimalField("тариф", max_digits=16, decimal_places=6, null=True, blank=True)
    measure = models.CharField("ед. изм.", max_length=32, blank=True)

    class Meta:
        verbose_name = "услуга"
        verbose_name_plural = "услуги"
        constraints = [models.UniqueConstraint(fields=["receipt", "service_id"], name="service_line_unique_service")]

    def __str__(self) -> str:
        return self.name
