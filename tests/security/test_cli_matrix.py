"""Who may do what from the command line.

Commands that act for a person take `--user` and hold that person to the same roles as the
admin: unknown, disabled and role-less users are refused and nothing changes. The others are
operator tools: whoever has a shell on the server (and so the database and the secrets) runs
them, and the table says so. setup_demo, which creates users with well-known passwords,
refuses to run outside DEBUG.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import CommandError
from django.db import transaction

from billing.importers.desk_template import write_desk_registry
from billing.models import Organization, Recipient
from tests.billing.importers.conftest import RECIPIENT, desk_rows
from tests.billing.pdfs.support import make_pdf
from tests.security.world import World, snapshot

pytestmark = pytest.mark.django_db

USER_CHECKED = "acts for --user, who is held to the roles"
OPERATOR = "an operator tool: shell access on the server is the authority"
DEBUG_ONLY = "refuses to run unless DEBUG is on"

COMMANDS: dict[str, str] = {
    "batch": USER_CHECKED,
    "import_registry": USER_CHECKED,
    "attach_receipt_pdfs": USER_CHECKED,
    "add_organization": OPERATOR,
    "export": OPERATOR,
    "publish_batch": OPERATOR,
    "reconcile_batch": OPERATOR,
    "check_batch": OPERATOR,
    "condo_sandbox": OPERATOR,
    "run_desk": OPERATOR,
    "setup_demo": DEBUG_ONLY,
}

DONE, REFUSED = "done", "refused"
USERS = ("staff", "accountant", "approver", "superuser", "unknown", "disabled")


def allowed(*roles: str) -> dict[str, str]:
    return {user: DONE if user in roles else REFUSED for user in USERS}


def _registry(tmp_path, world: World) -> str:
    path = tmp_path / "реестр.xlsx"
    write_desk_registry(path, iter(desk_rows()))
    return str(path)


def _archive(tmp_path, world: World) -> str:
    path = tmp_path / "pdfs.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{world.draft.receipts.get().account.number}.pdf", make_pdf("cli"))
    return str(path)


# (command, arguments before --user built from the world and a scratch folder) → who may run it
USER_MATRIX: list[tuple[str, Callable[..., list[str]], dict[str, str]]] = [
    ("batch", lambda tmp, w: ["submit", str(w.draft.pk)], allowed("accountant", "superuser")),
    ("batch", lambda tmp, w: ["approve", str(w.submitted.pk)], allowed("approver", "superuser")),
    ("batch", lambda tmp, w: ["reject", str(w.submitted.pk), "--reason", "нет"], allowed("approver", "superuser")),
    ("batch", lambda tmp, w: ["withdraw", str(w.published.pk), "--reason", "нет"], allowed("approver", "superuser")),
    (
        "import_registry",
        lambda tmp, w: [_registry(tmp, w), "--organization", "7736207543", "--period", "2026-10"],
        allowed("accountant", "superuser"),
    ),
    ("attach_receipt_pdfs", lambda tmp, w: [str(w.draft.pk), _archive(tmp, w)], allowed("accountant", "superuser")),
]


@pytest.fixture
def world(world: World) -> World:
    """The security world, with a disabled accountant and the organization a registry import names."""
    world.users["disabled"] = get_user_model().objects.create_user(
        "disabled-accountant", is_staff=True, is_active=False
    )
    world.users["disabled"].groups.set(world.users["accountant"].groups.all())
    recipient = Recipient.objects.create(name="ООО «РЦ»", tin=RECIPIENT[0], bic=RECIPIENT[1], bank_account=RECIPIENT[2])
    Organization.objects.create(name="УК «Тест»", tin="7736207543", default_recipient=recipient)
    return world


def test_every_command_of_ours_is_classified():
    ours = {name for name, app in get_commands().items() if app in ("billing", "integration")}
    assert ours == set(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_only_commands_that_check_the_user_take_one(name):
    app = get_commands()[name]
    options = {
        option
        for action in load_command_class(app, name).create_parser("manage.py", name)._actions
        for option in action.option_strings
    }
    assert ("--user" in options) == (COMMANDS[name] == USER_CHECKED)


@pytest.mark.parametrize(
    ("command", "arguments", "expect"), USER_MATRIX, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(USER_MATRIX)]
)
def test_each_user_is_held_to_the_roles(
    command, arguments, expect, world, media_root, tmp_path, django_capture_on_commit_callbacks
):
    problems = []
    for user in USERS:
        username = world.user(user).username if world.user(user) else "nobody-by-this-name"
        with transaction.atomic():
            before = snapshot(media_root)
            with django_capture_on_commit_callbacks() as queued:
                try:
                    call_command(command, *arguments(tmp_path, world), "--user", username, stdout=io.StringIO())
                    outcome = DONE
                except CommandError:
                    outcome = REFUSED
            changed = snapshot(media_root) != before or bool(queued)
            transaction.set_rollback(True)
        if outcome != expect[user] or changed != (outcome == DONE):
            problems.append(f"{command} as {user}: {outcome}, {'changed' if changed else 'nothing changed'}")
    assert not problems, "\n".join(problems)


def test_setup_demo_refuses_outside_debug(settings):
    settings.DEBUG = False
    users = get_user_model().objects.count()
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("setup_demo", stdout=io.StringIO())
    assert get_user_model().objects.count() == users
