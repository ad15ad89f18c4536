"""The Sber text registry layouts: which field of a line holds what, per organization."""

from __future__ import annotations

from django.contrib import admin

from billing.models import SberColumnMap


@admin.register(SberColumnMap)
class SberColumnMapAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "layout_text", "encoding", "is_active")
    list_select_related = ("organization",)
    list_filter = ("is_active",)
    search_fields = ("name", "organization__name", "=organization__tin")
    raw_id_fields = ("organization",)
    fieldsets = (
        (None, {"fields": ("organization", "name", "is_active", "encoding")}),
        (
            "Номера полей (через «;», с 1)",
            {
                "fields": (*SberColumnMap.COLUMN_FIELDS, "services_from_column"),
            },
        ),
    )

    @admin.display(description="раскладка")
    def layout_text(self, column_map: SberColumnMap) -> str:
        return column_map.layout().describe()
