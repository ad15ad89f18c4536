"""The command line explains itself in Russian, also on a fresh checkout without SECRET_KEY."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

DESK_COMMANDS = (
    "add_organization",
    "attach_receipt_pdfs",
    "batch",
    "export",
    "import_registry",
    "run_desk",
    "setup_demo",
    "condo_sandbox",
    "publish_batch",
    "reconcile_batch",
)


def manage(*args: str) -> subprocess.CompletedProcess:
    """manage.py as a new user runs it: no SECRET_KEY, no DEBUG, no DATABASE_URL."""
    keep = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=Path(settings.BASE_DIR),
        env=keep,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_help_lists_the_desk_commands_without_secret_key():
    result = manage("help")
    assert result.returncode == 0, result.stderr
    assert "only Django core commands are listed" not in result.stdout + result.stderr
    for command in DESK_COMMANDS:
        assert re.search(rf"^\s+{command}$", result.stdout, re.MULTILINE), command


@pytest.mark.parametrize("command", DESK_COMMANDS)
def test_every_desk_command_explains_itself_in_russian(command):
    result = manage(command, "--help")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert text.startswith("Вызов: manage.py")
    for english in (
        "usage:",
        "show this help message",
        "Verbosity level",
        "options:",
        "positional arguments",
        "Display a full stack trace",
    ):
        assert english not in text, english


def test_organization_is_explained_as_the_tin():
    text = manage("import_registry", "--help").stdout
    assert "--organization ИНН" in text and "10 или 12" in text


def test_a_working_command_still_needs_a_secret_key():
    result = manage("showmigrations", "billing")
    assert result.returncode != 0 and "SECRET_KEY is not set" in result.stderr
