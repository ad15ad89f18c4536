#!/usr/bin/env python
import os
import secrets
import sys

HELP_WORDS = {"help", "--help", "-h"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    if len(sys.argv) < 2 or HELP_WORDS & set(sys.argv[1:]):
        # Help needs the settings loaded to list the desk's own commands, and production settings
        # refuse to load without SECRET_KEY. A fresh checkout has none yet: help then gets a random
        # key of this process only, which signs nothing (help serves no request, writes nothing).
        os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
