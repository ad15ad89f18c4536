"""What the role matrix does not list: other apps' admin pages, the list actions, the index of a role-less user."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from tests.security.role_matrix_sweep import _client_for, _judge
from tests.security.role_matrix_table import ACTIONS, OTHER_APPS_EXPECT, OURS
from tests.security.world import ROLES

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ROLES)
def test_other_apps_admin_pages_are_for_superusers(role, client, world):
    client = _client_for(client, world, role)
    problems = []
    for model in admin.site._registry:
        if model._meta.app_label in OURS:
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        if problem := _judge(OTHER_APPS_EXPECT[role], client.get(url), False):
            problems.append(f"{url}: {problem}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", ROLES[1:])
def test_list_actions_offered_to_each_role(role, world):
    request = RequestFactory().get("/admin/")
    request.user = world.user(role)
    offered = {
        model._meta.label_lower: set(model_admin.get_actions(request))
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in OURS
    }
    expected = {label: ACTIONS.get(label, {}).get(role, set()) for label in offered}
    assert offered == expected


def test_the_index_shows_staff_without_a_role_no_data(client, world):
    client.force_login(world.user("staff"))
    page = client.get(reverse("admin:index")).content.decode()
    assert world.organization.name not in page and "Ожидают утверждения" not in page
    client.force_login(world.user("accountant"))
    assert world.organization.name in client.get(reverse("admin:index")).content.decode()  # the same page, with a role
