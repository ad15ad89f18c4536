"""Counts and money as the desk writes them: `{{ n|counted:"receipt" }}`, `{{ amount|money }}`."""

from __future__ import annotations

from django import template

from billing.formatting import format_change, format_money, format_percent
from billing.plurals import counted as counted_phrase
from billing.plurals import model_count as model_count_phrase

register = template.Library()


@register.filter
def counted(count: int | None, noun: str) -> str:
    """«1 квитанция», «3 квитанции», «12 345 квитанций»: see billing.plurals."""
    return counted_phrase(int(count or 0), noun)


@register.simple_tag
def model_count(count: int, opts) -> str:
    """The admin paginator's count of a list: «4 пакета», «8 записей журнала»."""
    return model_count_phrase(int(count or 0), opts)


@register.filter
def money(value) -> str:
    """«1 520,40»: see billing.formatting."""
    return format_money(value)


@register.filter
def percent(value) -> str:
    """«12,5 %»."""
    return format_percent(value)


@register.filter
def change(value) -> str:
    """«+0,5 %»: a change in percent with its sign."""
    return format_change(value)
