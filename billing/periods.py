"""Billing months: a period is the first day of its month, in the desk's time zone."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone


def previous_month(today: date | None = None) -> date:
    """The month a billing centre publishes now: the one before the current month."""
    today = today or timezone.localdate()
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def month_parse(text: str) -> date:
    """«2026-10» → date(2026, 10, 1); ValueError when the text is not ГГГГ-ММ."""
    return datetime.strptime(text.strip(), "%Y-%m").replace(tzinfo=timezone.get_current_timezone()).date()
