"""Registry uploads awaiting confirmation, and per-organization column maps of Sber registries."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from billing.models.batches import batch_source_path
from billing.models.file_jobs import FileJob, status_field
from billing.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS


class UploadStatus(models.TextChoices):
    QUEUED = "queued", "В очереди"
    PARSING = "parsing", "Проверяется"
    READY = "ready", "Проверен, ждёт подтверждения"
    REFUSED = "refused", "Отклонён"
    CONFIRMING = "confirming", "Создаётся пакет"
    DONE = "done", "Пакет создан"
    CANCELLED = "cancelled", "Отменён"
    FAILED = "failed", "Сбой"


class RegistryUpload(FileJob):
    """One uploaded registry between upload and the user's «Подтвердить» or «Отменить»."""

    Status = UploadStatus
    OWNER_FIELD = "uploaded_by"
    FILE_FIELD = "file"
    WORKING = frozenset({UploadStatus.QUEUED, UploadStatus.PARSING, UploadStatus.CONFIRMING})
    COUNTS_ROWS = True
    organization = models.ForeignKey(
        "billing.Organization", verbose_name="УК", on_delete=models.PROTECT, related_name="+"
    )
    period = models.DateField("период")
    format_code = models.CharField("выбранный формат", max_length=32)
    detected_format = models.CharField("формат", max_length=32, blank=True)
    # A random name under registries/: it becomes the batch's source file on confirmation.
    file = models.FileField("файл", upload_to=batch_source_path, blank=True)
    source_name = models.CharField("имя файла", max_length=255)
    file_size = models.PositiveBigIntegerField("размер, байт", default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="загрузил", on_delete=models.PROTECT, related_name="+"
    )
    status = status_field(UploadStatus)
    rows_total = models.PositiveIntegerField("строк в файле", null=True, blank=True)
    rows_read = models.PositiveIntegerField("строк прочитано", default=0)
    errors = models.JSONField("первые ошибки", default=list, blank=True)
    errors_count = models.PositiveIntegerField("ошибок", default=0)
    # Every kept error, for the xlsx download; deferred from pages that only need the first 200.
    errors_report = models.JSONField("все ошибки", default=list, blank=True)
    preview = models.JSONField("предпросмотр", default=dict, blank=True)
    batch = models.ForeignKey(
        "billing.Batch", verbose_name="пакет", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField("изменён", auto_now=True)
    finished_at = models.DateTimeField("проверка завершена", null=True, blank=True)

    class Meta:
        verbose_name = "загрузка реестра"
        verbose_name_plural = "загрузки реестров"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=UploadStatus.values), name="upload_status_known"),
            models.CheckConstraint(condition=Q(period__day=1), name="upload_period_first_day"),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="upload_status_created")]

    def __str__(self) -> str:
        return f"Загрузка «{self.source_name}» · {self.period:%m.%Y}"


class UploadReceipt(models.Model):
    """One receipt of an upload against the last published batch, for the full preview's pages.

    Rows, not a JSON list on the upload: the parse writes them in slices as it reads (memory
    stays flat whatever the month's size) and a page reads only its fifty. `kind` is "" while
    the parse is still going (the amount as the file has it); the comparison with last month
    then writes the rows of each kind in key order, so their ids are the preview's order.
    """

    STAGED = ""
    upload = models.ForeignKey(RegistryUpload, on_delete=models.CASCADE, related_name="+")
    account = models.CharField("лицевой счёт", max_length=64)
    category = models.CharField("категория", max_length=16)
    kind = models.CharField("отличие", max_length=16, blank=True)
    before = models.DecimalField("было", max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, null=True)
    now = models.DecimalField("стало", max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, null=True)
    where = models.CharField("адрес и помещение", max_length=600, blank=True)

    class Meta:
        verbose_name = "квитанция загрузки"
        verbose_name_plural = "квитанции загрузки"
        indexes = [
            models.Index(fields=["upload", "id"], name="uploadreceipt_page"),
            models.Index(fields=["upload", "kind", "id"], name="uploadreceipt_kind_page"),
        ]

    def __str__(self) -> str:
        return f"{self.account} · {self.category}"


def _column(label: str, *, optional: bool = False, help_text: str = "") -> models.PositiveSmallIntegerField:
    """A field number of a Sber line, counted from 1; an optional one may be left empty."""
    return models.PositiveSmallIntegerField(
        label, null=optional, blank=optional, validators=[MinValueValidator(1)], help_text=help_text
    )


class SberColumnMap(models.Model):
    """Column numbers of one Sber registry template as a management company's bank configured it."""

    class Encoding(models.TextChoices):
        AUTO = "", "Определять автоматически (по умолчанию Windows-1251)"
        CP1251 = "cp1251", "Windows-1251"
        UTF8 = "utf-8", "UTF-8"
        CP866 = "cp866", "CP866 (DOS)"

    organization = models.ForeignKey(
        "billing.Organization", verbose_name="УК", on_delete=models.CASCADE, related_name="sber_column_maps"
    )
    name = models.CharField("название", max_length=100, help_text="Например: «Шаблон 8_2 Сбербанка».")
    is_active = models.BooleanField("используется", default=True)
    encoding = models.CharField("кодировка", max_length=16, choices=Encoding.choices, blank=True, default="")
    account_column = _column("№ поля: лицевой счёт")
    address_column = _column("№ поля: адрес")
    to_pay_column = _column("№ поля: сумма к оплате")
    period_column = _column(
        "№ поля: период",
        optional=True,
        help_text="ММГГ или ММ.ГГГГ. Пусто — период из имени файла (…_ММГГ.txt) или период пакета.",
    )
    full_name_column = _column("№ поля: ФИО", optional=True)
    els_column = _column("№ поля: ЕЛС", optional=True)
    fias_unit_column = _column(
        "№ поля: ФИАС и помещение", optional=True, help_text="Поле вида «ГУИД ФИАС дома,номер помещения»."
    )
    unit_name_column = _column("№ поля: помещение", optional=True)
    services_from_column = models.PositiveSmallIntegerField(
        "услуги начиная с поля",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(200)],
        help_text="С этого поля до конца строки идут пары «услуга;сумма».",
    )
    created_at = models.DateTimeField("создана", auto_now_add=True)
    updated_at = models.DateTimeField("изменена", auto_now=True)

    COLUMN_FIELDS = (
        "account_column",
        "address_column",
        "to_pay_column",
        "period_column",
        "full_name_column",
        "els_column",
        "fias_unit_column",
        "unit_name_column",
    )

    class Meta:
        verbose_name = "раскладка реестра Сбербанка"
        verbose_name_plural = "раскладки реестров Сбербанка"
        ordering = ["organization", "name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="sber_map_unique_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.organization.name})"

    def clean(self) -> None:
        used = [getattr(self, name) for name in self.COLUMN_FIELDS if getattr(self, name)]
        if len(used) != len(set(used)):
            raise ValidationError("Один номер поля указан для двух значений.")
        if self.services_from_column and used and self.services_from_column <= max(used):
            raise ValidationError({"services_from_column": "Пары услуг должны идти после всех остальных полей."})

    @property
    def format_code(self) -> str:
        return f"sber_map_{self.pk}"

    def layout(self):
        from billing.importers.sber_layouts import SberLayout

        return SberLayout(
            code=self.format_code,
            label=f"Сбербанк, раскладка «{self.name}»",
            account=self.account_column,
            address=self.address_column,
            to_pay=self.to_pay_column,
            period=self.period_column,
            full_name=self.full_name_column,
            els=self.els_column,
            fias_unit=self.fias_unit_column,
            unit_name=self.unit_name_column,
            services_from=self.services_from_column,
            encoding=self.encoding,
        )
