"""Who receives and who pays: management companies, their houses, accounts and payees."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q


class Organization(models.Model):
    """A management company (УК) that publishes receipts through one Condo billing context."""

    name = models.CharField("название", max_length=255)
    tin = models.CharField("ИНН", max_length=12, unique=True, help_text="10 цифр для организации, 12 для ИП.")
    condo_context_id = models.CharField(
        "ID контекста биллинга в Condo",
        max_length=64,
        blank=True,
        help_text="Идентификатор BillingIntegrationOrganizationContext в статусе Finished. "
        "Без него пакеты организации нельзя опубликовать.",
    )
    is_active = models.BooleanField("активна", default=True)
    anomaly_threshold_percent = models.DecimalField(
        "порог аномалии, %",
        max_digits=6,
        decimal_places=2,
        default=Decimal("50"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("10000"))],
        help_text="Квитанция отмечается при проверке, если её сумма изменилась против прошлого "
        "опубликованного пакета больше чем на эту долю.",
    )
    default_recipient = models.ForeignKey(
        "billing.Recipient",
        verbose_name="получатель платежа по умолчанию",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Используется, когда в реестре нет реквизитов получателя (реестры Сбербанка).",
    )
    created_at = models.DateTimeField("создана", auto_now_add=True)
    updated_at = models.DateTimeField("изменена", auto_now=True)

    class Meta:
        verbose_name = "управляющая компания"
        verbose_name_plural = "управляющие компании"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(tin__regex=r"^(\d{10}|\d{12})$"), name="organization_tin_digits"),
            models.CheckConstraint(
                condition=Q(anomaly_threshold_percent__gte=0), name="organization_threshold_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["name"], name="organization_name")]

    def __str__(self) -> str:
        return f"{self.name} (ИНН {self.tin})"


class Property(models.Model):
    """A house as the registry writes its address (Condo: BillingProperty)."""

    organization = models.ForeignKey(
        Organization, verbose_name="УК", on_delete=models.PROTECT, related_name="properties"
    )
    address = models.CharField("адрес", max_length=500)
    fias_id = models.CharField("ФИАС / глобальный ID", max_length=64, blank=True)

    class Meta:
        verbose_name = "дом"
        verbose_name_plural = "дома"
        constraints = [models.UniqueConstraint(fields=["organization", "address"], name="property_unique_address")]

    def __str__(self) -> str:
        return self.address


class UnitType(models.TextChoices):
    FLAT = "flat", "Квартира"
    APARTMENT = "apartment", "Апартаменты"
    COMMERCIAL = "commercial", "Коммерческое помещение"
    WAREHOUSE = "warehouse", "Кладовка"
    PARKING = "parking", "Парковочное место"


class OwnerType(models.TextChoices):
    PERSON = "person", "Физическое лицо"
    COMPANY = "company", "Юридическое лицо"


class Account(models.Model):
    """A personal account (лицевой счёт) of one unit in one house."""

    UnitType = UnitType
    OwnerType = OwnerType
    organization = models.ForeignKey(Organization, verbose_name="УК", on_delete=models.PROTECT, related_name="accounts")
    number = models.CharField("лицевой счёт", max_length=64)
    property = models.ForeignKey(Property, verbose_name="дом", on_delete=models.PROTECT, related_name="accounts")
    unit_name = models.CharField("помещение", max_length=64, blank=True)
    unit_type = models.CharField("тип помещения", max_length=16, choices=UnitType.choices, default=UnitType.FLAT)
    full_name = models.CharField("ФИО / наименование", max_length=255, blank=True)
    owner_type = models.CharField(
        "тип владельца",
        max_length=16,
        choices=OwnerType.choices,
        blank=True,
        help_text="Пусто, если реестр его не указал: тогда Condo определяет его по ФИО.",
    )
    is_closed = models.BooleanField("закрыт", default=False)
    els = models.CharField("ЕЛС / глобальный ID", max_length=32, blank=True)

    class Meta:
        verbose_name = "лицевой счёт"
        verbose_name_plural = "лицевые счета"
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="account_unique_number"),
            models.CheckConstraint(condition=Q(unit_type__in=UnitType.values), name="account_unit_type_known"),
            models.CheckConstraint(
                condition=Q(owner_type="") | Q(owner_type__in=OwnerType.values), name="account_owner_type_known"
            ),
            models.CheckConstraint(condition=~Q(number=""), name="account_number_not_empty"),
        ]
        indexes = [models.Index(fields=["number"], name="account_number")]

    def __str__(self) -> str:
        return self.number


class Recipient(models.Model):
    """Who the money goes to: TIN, bank (BIC) and settlement account."""

    name = models.CharField("наименование", max_length=255, blank=True)
    tin = models.CharField("ИНН", max_length=12)
    bic = models.CharField("БИК", max_length=9)
    bank_account = models.CharField("расчётный счёт", max_length=20)

    class Meta:
        verbose_name = "получатель платежа"
        verbose_name_plural = "получатели платежей"
        constraints = [
            models.UniqueConstraint(fields=["tin", "bic", "bank_account"], name="recipient_unique_requisites"),
            models.CheckConstraint(condition=Q(tin__regex=r"^(\d{10}|\d{12})$"), name="recipient_tin_digits"),
            models.CheckConstraint(condition=Q(bic__regex=r"^0[14]\d{7}$"), name="recipient_bic_digits"),
            models.CheckConstraint(condition=Q(bank_account__regex=r"^\d{20}$"), name="recipient_bank_account_digits"),
        ]

    def __str__(self) -> str:
        return f"{self.name or self.tin} · {self.bank_account}"
