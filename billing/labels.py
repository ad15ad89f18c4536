"""Russian names for the codes the database stores, so that no page shows «desk_excel»."""

from __future__ import annotations

from billing.importers.formats import MAP_PREFIX, format_choices
from billing.models import SberColumnMap


def registry_format_label(code: str) -> str:
    """«Шаблон рабочего места (Excel)» for `desk_excel`; a deleted Sber column map still reads as one."""
    if not code:
        return ""
    labels = dict(format_choices())
    if code in labels:
        return labels[code]
    if code.startswith(MAP_PREFIX):
        column_map = (
            SberColumnMap.objects.filter(pk=code.removeprefix(MAP_PREFIX)).first()
            if code.removeprefix(MAP_PREFIX).isdigit()
            else None
        )
        return column_map.layout().label if column_map else "Сбербанк, раскладка УК"
    return "другой формат"
