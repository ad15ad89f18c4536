"""Counted nouns in correct Russian: «1 пакет», «3 пакета», «5 пакетов», «21 квитанция».

Russian has three plural forms, chosen by the last one or two digits. The forms live in the
project's own catalog (locale/ru/LC_MESSAGES/django.po, compiled .mo committed) as `ngettext`
plurals, so nothing here knows the rule: gettext picks the form by the catalog's Plural-Forms.

`counted` serves our own templates and messages; `model_count` serves the admin's paginator,
which otherwise glues a number to `verbose_name_plural` («0 пакеты», «8 журнал аудита»).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models.options import Options
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext

from billing.formatting import format_count

# One entry per noun; written out so that `makemessages` finds every msgid.
NOUNS: dict[str, Callable[[int], str]] = {
    "account": lambda n: ngettext("%(count)s account", "%(count)s accounts", n),
    "batch": lambda n: ngettext("%(count)s batch", "%(count)s batches", n),
    "call": lambda n: ngettext("%(count)s Condo call", "%(count)s Condo calls", n),
    "column_map": lambda n: ngettext("%(count)s column map", "%(count)s column maps", n),
    "error": lambda n: ngettext("%(count)s error", "%(count)s errors", n),
    "file": lambda n: ngettext("%(count)s file", "%(count)s files", n),
    "group": lambda n: ngettext("%(count)s group", "%(count)s groups", n),
    "journal_entry": lambda n: ngettext("%(count)s journal entry", "%(count)s journal entries", n),
    "line": lambda n: ngettext("%(count)s service line", "%(count)s service lines", n),
    "organization": lambda n: ngettext("%(count)s management company", "%(count)s management companies", n),
    "property": lambda n: ngettext("%(count)s house", "%(count)s houses", n),
    "receipt": lambda n: ngettext("%(count)s receipt", "%(count)s receipts", n),
    # «нарушения в 1 квитанции», «в 3 квитанциях»: the prepositional case after «в».
    "in_receipts": lambda n: ngettext("in %(count)s receipt", "in %(count)s receipts", n),
    "recipient": lambda n: ngettext("%(count)s payee", "%(count)s payees", n),
    "reconciliation": lambda n: ngettext("%(count)s reconciliation", "%(count)s reconciliations", n),
    "row": lambda n: ngettext("%(count)s row", "%(count)s rows", n),
    "transition": lambda n: ngettext("%(count)s transition", "%(count)s transitions", n),
    "upload": lambda n: ngettext("%(count)s registry upload", "%(count)s registry uploads", n),
    "user": lambda n: ngettext("%(count)s user", "%(count)s users", n),
}

# The admin's models, by `app_label.model_name`, and the noun their lists are counted in.
MODEL_NOUNS: dict[str, str] = {
    "auth.group": "group",
    "auth.user": "user",
    "billing.account": "account",
    "billing.audittransition": "journal_entry",
    "billing.batch": "batch",
    "billing.batchtransition": "transition",
    "billing.organization": "organization",
    "billing.property": "property",
    "billing.receipt": "receipt",
    "billing.recipient": "recipient",
    "billing.registryupload": "upload",
    "billing.sbercolumnmap": "column_map",
    "billing.serviceline": "line",
    "integration.condocall": "call",
    "integration.reconciliation": "reconciliation",
}


def counted(count: int, noun: str) -> str:
    """`count` with `noun` in the form Russian grammar wants; thousands grouped («12 345 квитанций»)."""
    return NOUNS[noun](count) % {"count": format_count(count)}


def model_count(count: int, opts: Options) -> str:
    """The paginator's «N <objects>» for a model; a model we do not know reads «Задачи: N»."""
    noun = MODEL_NOUNS.get(opts.label_lower)
    if noun is not None:
        return counted(count, noun)
    return gettext("%(name)s: %(count)s") % {
        "name": capfirst(opts.verbose_name_plural),
        "count": format_count(count),
    }
