"""Who may do what: every admin page, button and list action of ours, for every kind of user.

MATRIX (role_matrix_table.py) is the one table of expectations. For each named admin URL of the
billing and integration apps it says, per role, what a GET or a POST must answer. A test fails when the
admin grows a view the table does not classify, so a new page cannot ship unreviewed.

A POST that is not allowed must change nothing: no batch status, transition, receipt, upload,
PDF, organization, user or stored file, and no task queued for after the commit.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.security.role_matrix_sweep import _judge, _sweep, our_url_names
from tests.security.role_matrix_table import CORE, MATRIX
from tests.security.world import ROLES

pytestmark = pytest.mark.django_db


def test_every_admin_view_of_ours_is_in_the_matrix():
    routed = our_url_names()
    assert sorted(routed - set(MATRIX)) == [], "admin views with no row in MATRIX"
    assert sorted(set(MATRIX) - routed) == [], "rows of MATRIX for views that no longer exist"
    for name, rows in MATRIX.items():
        assert any(row.method == "GET" for row in rows), name
        for row in rows:
            assert set(row.expect) == set(ROLES), name


@pytest.mark.parametrize("role", ROLES)
def test_get_every_page(role, client, world, media_root, django_capture_on_commit_callbacks):
    problems = _sweep(role, "GET", client, world, media_root, django_capture_on_commit_callbacks)
    for (name, args), rows in CORE.items():
        for row in rows:
            response = client.get(reverse(f"admin:{name}", args=args))
            if problem := _judge(row.expect[role], response, False):
                problems.append(f"GET admin:{name}{args}: {problem}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", ROLES)
def test_post_every_button_and_form(role, client, world, media_root, django_capture_on_commit_callbacks):
    problems = _sweep(role, "POST", client, world, media_root, django_capture_on_commit_callbacks)
    assert not problems, "\n".join(problems)
