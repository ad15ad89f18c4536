"""Amounts on read-only admin pages written as the desk writes them: «1 520,40», not Django's «1520,40».

Django shows a read-only DecimalField with `number_format`, which groups thousands only when
USE_THOUSAND_SEPARATOR is on, and that setting would also group every id and count of every
template («пакет №1 234»). So a page lists these callables among its read-only fields instead
of the model's field names; each keeps the field's label and its `field-<name>` CSS class.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal

from django.contrib import admin
from django.db import models

from billing.formatting import format_money, format_percent, format_quantity


def _shown(
    model: type[models.Model], name: str, write: Callable[[Decimal | None], str]
) -> Callable[[models.Model], str]:
    def shown(obj: models.Model) -> str:
        return write(getattr(obj, name))

    field = model._meta.get_field(name)
    if not isinstance(field, models.DecimalField):
        raise TypeError(f"{model.__name__}.{name} is not an amount")
    shown.__name__ = name  # the row's CSS class and the column's name, as for the field itself
    return admin.display(description=field.verbose_name)(shown)


def money_fields(model: type[models.Model], names: Iterable[str]) -> tuple[Callable[[models.Model], str], ...]:
    return tuple(_shown(model, name, format_money) for name in names)


def percent_fields(model: type[models.Model], names: Iterable[str]) -> tuple[Callable[[models.Model], str], ...]:
    return tuple(_shown(model, name, format_percent) for name in names)


def quantity_fields(model: type[models.Model], names: Iterable[str]) -> tuple[Callable[[models.Model], str], ...]:
    """Volumes and tariffs (six places in the database): «1 234,5», «25,12», without trailing zeros."""
    return tuple(_shown(model, name, format_quantity) for name in names)
