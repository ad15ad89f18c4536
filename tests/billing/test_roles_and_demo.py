import pytest
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command

from billing.roles import ROLE_PERMISSIONS


@pytest.mark.django_db
def test_roles_exist_with_exactly_the_declared_permissions():
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLE_PERMISSIONS)
    for role, declared in ROLE_PERMISSIONS.items():
        held = {
            f"{app}.{codename}"
            for app, codename in Group.objects.get(name=role).permissions.values_list(
                "content_type__app_label", "codename"
            )
        }
        assert held == declared, role


@pytest.mark.django_db
def test_setup_demo_is_idempotent_and_its_printed_logins_work(settings, capsys):
    settings.DEBUG = True
    call_command("setup_demo")
    first = capsys.readouterr().out
    call_command("setup_demo")
    second = capsys.readouterr().out
    assert first == second
    users = get_user_model().objects.filter(username__in=["accountant", "approver", "admin"])
    assert users.count() == 3
    for line in first.splitlines():
        if "логин:" in line:
            username = line.split("логин:")[1].split()[0]
            password = line.split("пароль:")[1].strip()
            assert authenticate(username=username, password=password) is not None, username
    assert get_user_model().objects.get(username="accountant").groups.get().name == "Бухгалтер"
    assert get_user_model().objects.get(username="admin").is_superuser


@pytest.mark.django_db
def test_setup_demo_refuses_outside_debug(settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("setup_demo")
    assert not get_user_model().objects.filter(username="admin").exists()
