"""`DeskCommand`: a management command whose `--help` is Russian throughout.

Django's common options and argparse's own words («usage», «options», «show this help message»)
are English and argparse has no Russian catalog; the desk's operators read Russian. Every
command of the desk derives from this class instead of BaseCommand.
"""

from __future__ import annotations

import argparse

from django.core.management.base import BaseCommand, DjangoHelpFormatter

COMMON_HELP = {
    "help": "Показать эту справку и выйти.",
    "version": "Показать версию и выйти.",
    "verbosity": "Подробность вывода: 0 — минимум, 1 — обычно, 2 — подробно, 3 — очень подробно.",
    "settings": "Модуль настроек Python, например config.settings.base (иначе DJANGO_SETTINGS_MODULE).",
    "pythonpath": "Каталог, который добавить к пути поиска модулей Python.",
    "traceback": "При ошибке команды показать полную трассировку.",
    "no_color": "Не раскрашивать вывод.",
    "force_color": "Раскрашивать вывод всегда.",
    "skip_checks": "Не выполнять системные проверки Django.",
}


class RussianHelpFormatter(DjangoHelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, prefix="Вызов: " if prefix is None else prefix)


def russify(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Russian group titles and common options' help, here and in every sub-command's parser."""
    parser.formatter_class = RussianHelpFormatter
    for group in parser._action_groups:
        if group.title in ("positional arguments",):
            group.title = "аргументы"
        elif group.title in ("options", "optional arguments"):
            group.title = "параметры"
    for action in parser._actions:
        if action.dest in COMMON_HELP:
            action.help = COMMON_HELP[action.dest]
        if isinstance(action, argparse._SubParsersAction):
            for subparser in action.choices.values():
                russify(subparser)
    return parser


class DeskCommand(BaseCommand):
    def create_parser(self, prog_name, subcommand, **kwargs):
        kwargs.setdefault("formatter_class", RussianHelpFormatter)
        return russify(super().create_parser(prog_name, subcommand, **kwargs))
