"""The registry upload form: organization, month, format (with each organization's Sber layouts) and file."""

from __future__ import annotations

from dataclasses import replace

from django import forms

from billing.importers.formats import AUTO, format_choices
from billing.models import Organization, SberColumnMap


class RegistryUploadForm(forms.Form):
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.filter(is_active=True), label="Управляющая компания"
    )
    period = forms.DateField(
        label="Период",
        input_formats=["%Y-%m", "%m.%Y"],
        help_text="Месяц начислений, например 2026-10.",
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    format_code = forms.ChoiceField(label="Формат", initial=AUTO)
    file = forms.FileField(label="Файл реестра", help_text="xlsx, xls, ods или текстовый реестр Сбербанка (.txt).")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        maps = SberColumnMap.objects.filter(is_active=True).select_related("organization")
        layouts = []
        for column_map in maps:
            layout = column_map.layout()
            layouts.append(replace(layout, label=f"{layout.label} — {column_map.organization.name}"))
        format_field = self.fields["format_code"]
        assert isinstance(format_field, forms.ChoiceField)
        format_field.choices = format_choices(layouts)
        self._maps = {column_map.format_code: column_map.organization_id for column_map in maps}

    def clean(self):
        data = super().clean() or {}
        code, organization = data.get("format_code"), data.get("organization")
        if code in self._maps and organization and self._maps[code] != organization.pk:
            self.add_error("format_code", "Эта раскладка описана для другой управляющей компании.")
        return data
