"""Who may do what: every admin page, button and list action of ours, for every kind of user.

MATRIX below is the one table of expectations. For each named admin URL of the billing and
integration apps it says, per role, what a GET or a POST must answer. A test fails when the
admin grows a view the table does not classify, so a new page cannot ship unreviewed.

A POST that is not allowed must change nothing: no batch status, transition, receipt, upload,
PDF, organization, user or stored file, and no task queued for after the commit.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import RequestFactory
from django.urls import URLPattern, reverse

from billing.importers.desk_template import desk_template_bytes
from tests.billing.pdfs.support import make_pdf
from tests.security.world import ROLES, World, snapshot

pytestmark = pytest.mark.django_db

ANON, STAFF, ACC, APP, SU = ROLES
OURS = ("billing", "integration")
LOGIN = "login"  # a redirect to the login page
DONE = "done"  # POST: 200 or a redirect, and the world changed or work was queued
REFUSED = "refused"  # POST: 403, or the list again, nothing changed (the admin ignores an action it does not offer)
VIEWERS = (ACC, APP, SU)


def see(*roles: str, other: int | str = 403) -> dict[str, int | str]:
    """GET answers 200 to `roles`, `other` to the rest of the staff; anonymous goes to the login page."""
    return {ANON: LOGIN, **{role: 200 if role in roles else other for role in (STAFF, ACC, APP, SU)}}


def do(*roles: str, other: int | str = 403) -> dict[str, int | str]:
    """POST takes effect for `roles` and is refused with `other` (nothing changed) for the rest."""
    return {ANON: LOGIN, **{role: DONE if role in roles else other for role in (STAFF, ACC, APP, SU)}}


POST_ONLY = see(other=405)  # a GET of a button's URL: 405 before anything else is looked at


@dataclass(frozen=True)
class Row:
    method: str
    expect: dict[str, int | str]
    args: Callable[[World], list[Any]] | None = None
    data: Callable[[World], dict[str, Any]] = field(default=lambda world: {})
    label: str = ""


def GET(expect, args=None, label="") -> Row:
    return Row("GET", expect, args, label=label)


def POST(expect, args=None, data=lambda world: {}, label="") -> Row:
    return Row("POST", expect, args, data, label)


def _zip_of_pdf(world: World) -> dict:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{world.draft.receipts.get().account.number}.pdf", make_pdf("matrix-upload"))
    return {"archive": SimpleUploadedFile("pdfs.zip", buffer.getvalue(), "application/zip")}


def _registry_upload(world: World) -> dict:
    return {
        "organization": world.organization.pk,
        "period": "2026-10",
        "format_code": "auto",
        "file": SimpleUploadedFile("реестр.xlsx", desk_template_bytes(example=True)),
    }


def _organization_form(*, new: bool) -> Callable[[World], dict]:
    def form(world: World) -> dict:
        org = world.spare_organization
        return {
            "name": "УК «Переименована»",
            "tin": "7736207543" if new else org.tin,
            "is_active": "on",
            "condo_context_id": org.condo_context_id,
            "anomaly_threshold_percent": "25",
            "default_recipient": world.recipient.pk,
        }

    return form


def _recipient_form(*, new: bool) -> Callable[[World], dict]:
    def form(world: World) -> dict:
        recipient = world.spare_recipient
        account = "40702810000000088888" if new else recipient.bank_account
        return {"name": "ООО «Новое имя»", "tin": recipient.tin, "bic": recipient.bic, "bank_account": account}

    return form


def _column_map_form(*, new: bool) -> Callable[[World], dict]:
    def form(world: World) -> dict:
        return {
            "organization": world.organization.pk,
            "name": "Шаблон 9_2" if new else "Шаблон 8_2 (изм.)",
            "is_active": "on",
            "encoding": "",
            "account_column": 1,
            "address_column": 2,
            "to_pay_column": 4,
        }

    return form


def _action(name: str, target: str) -> Callable[[World], dict]:
    return lambda world: {"action": name, "_selected_action": [getattr(world, target).pk], "post": "yes"}


def _pk(target: str) -> Callable[[World], list]:
    return lambda world: [getattr(world, target).pk]


REASON = lambda world: {"reason": "Проверка прав"}  # noqa: E731
DELETE = lambda world: {"post": "yes"}  # noqa: E731


def _read_only(target: str, *, viewers=VIEWERS) -> dict[str, tuple[Row, ...]]:
    """A record nobody edits by hand: the roles may look, nobody adds, changes or deletes, superusers included."""
    return {
        "changelist": (GET(see(*viewers)),),
        "add": (GET(see()), POST(do())),
        "change": (GET(see(*viewers), _pk(target)), POST(do(), _pk(target), lambda world: {"reason": "x"})),
        "history": (GET(see(*viewers), _pk(target)),),
        "delete": (GET(see(), _pk(target)), POST(do(), _pk(target), DELETE)),
    }


def _superuser_edits(
    form: Callable[..., Callable[[World], dict]], *, viewers, spare: str, action_refused=REFUSED
) -> dict[str, tuple[Row, ...]]:
    """Administered by superusers; `viewers` may only look."""
    return {
        "changelist": (
            GET(see(*viewers)),
            POST(
                do(SU, other=action_refused) | {STAFF: 403},
                data=_action("delete_selected", spare),
                label="delete_selected",
            ),
        ),
        "add": (GET(see(SU)), POST(do(SU), data=form(new=True))),
        "change": (GET(see(*viewers), _pk(spare)), POST(do(SU), _pk(spare), form(new=False))),
        "history": (GET(see(*viewers), _pk(spare)),),
        "delete": (GET(see(SU), _pk(spare)), POST(do(SU), _pk(spare), DELETE)),
    }


def _model(prefix: str, rows: dict[str, tuple[Row, ...]]) -> dict[str, tuple[Row, ...]]:
    return {f"{prefix}_{name}": value for name, value in rows.items()}


MATRIX: dict[str, tuple[Row, ...]] = {
    # --- Batches: the review page, the workflow buttons and the pages the mixins add --------------
    "billing_batch_changelist": (
        GET(see(*VIEWERS)),
        POST(see(*VIEWERS), data=_action("export_receipts_action", "published"), label="export_receipts_action"),
    ),
    "billing_batch_add": (GET(see()), POST(do())),
    "billing_batch_change": (
        GET(see(*VIEWERS), _pk("draft")),
        POST(do(), _pk("draft"), lambda world: {"status": "published"}),
    ),
    "billing_batch_history": (GET(see(*VIEWERS), _pk("draft")),),
    "billing_batch_delete": (GET(see(), _pk("draft")), POST(do(), _pk("draft"), DELETE)),
    "billing_batch_submit": (GET(POST_ONLY, _pk("draft")), POST(do(ACC, SU), _pk("draft"))),
    "billing_batch_approve": (GET(POST_ONLY, _pk("submitted")), POST(do(APP, SU), _pk("submitted"))),
    "billing_batch_reject": (GET(POST_ONLY, _pk("submitted")), POST(do(APP, SU), _pk("submitted"), REASON)),
    "billing_batch_withdraw": (GET(POST_ONLY, _pk("published")), POST(do(APP, SU), _pk("published"), REASON)),
    "billing_batch_cancel_batch": (GET(POST_ONLY, _pk("draft")), POST(do(ACC, SU), _pk("draft"), REASON)),
    # The confirmation pages before the irreversible buttons: for those the service would let act.
    "billing_batch_approve_confirm": (GET(see(APP, SU), _pk("submitted")),),
    "billing_batch_withdraw_confirm": (GET(see(APP, SU), _pk("published")),),
    "billing_batch_replace_confirm": (GET(see(APP, SU), _pk("newer")),),
    "billing_batch_import": (GET(see(ACC, SU)), POST(do(ACC, SU), data=_registry_upload)),
    "billing_batch_import_template": (GET(see(ACC, SU), lambda world: ["template"]),),
    "billing_batch_import_status": (GET(see(ACC, SU), lambda world: [world.upload.token]),),
    # Every file job's progress: its owner (or a superuser) only.
    "billing_batch_job_progress": (GET(see(ACC, SU), lambda world: ["import", world.upload.token]),),
    "billing_batch_import_confirm": (
        GET(POST_ONLY, lambda world: [world.upload.token]),
        POST(do(ACC, SU), lambda world: [world.upload.token]),
    ),
    "billing_batch_import_cancel": (
        GET(POST_ONLY, lambda world: [world.upload.token]),
        POST(do(ACC, SU), lambda world: [world.upload.token]),
    ),
    "billing_batch_import_errors": (GET(see(ACC, SU), lambda world: [world.refused_upload.token]),),
    "billing_batch_pdfs": (GET(see(*VIEWERS), _pk("draft")), POST(do(ACC, SU), _pk("draft"), _zip_of_pdf)),
    "billing_batch_pdfs_send": (GET(POST_ONLY, _pk("published")), POST(do(APP, SU), _pk("published"))),
    "billing_batch_pdfs_approve": (GET(POST_ONLY, _pk("published")), POST(do(APP, SU), _pk("published"))),
    "billing_batch_pdf_download": (GET(see(*VIEWERS), lambda world: [world.published.pk, world.receipt.pk]),),
    "billing_batch_export_summary": (GET(see(*VIEWERS)),),
    "billing_batch_export_receipts": (GET(see(*VIEWERS), _pk("published")),),
    # A background export is its requester's (an accountant here): other roles are refused.
    "billing_batch_export_file": (GET(see(ACC, SU), lambda world: [world.export.token]),),
    "billing_batch_export_file_download": (GET(see(ACC, SU), lambda world: [world.export.token]),),
    "billing_batch_export_reconciliation": (GET(see(*VIEWERS), _pk("published")),),
    "billing_batch_progress": (GET(see(*VIEWERS), _pk("published")),),
    "billing_batch_retry_rejected": (GET(POST_ONLY, _pk("partial")), POST(do(APP, SU), _pk("partial"))),
    "billing_batch_publish_again": (GET(POST_ONLY, _pk("failed")), POST(do(APP, SU), _pk("failed"))),
    # A fresh comparison with Condo changes no batch: whoever may see the batch may ask for one.
    "billing_batch_reconcile": (GET(POST_ONLY, _pk("published")), POST(do(*VIEWERS), _pk("published"))),
    # The check before approval changes no batch: whoever may see the batch may run it again or download it.
    "billing_batch_check": (GET(POST_ONLY, _pk("submitted")), POST(do(*VIEWERS), _pk("submitted"))),
    "billing_batch_check_report": (GET(see(*VIEWERS), lambda world: [world.submitted.pk, world.check.pk]),),
    "billing_batch_supersede": (
        GET(POST_ONLY, lambda world: [world.published.pk, world.newer.pk]),
        POST(do(APP, SU), lambda world: [world.published.pk, world.newer.pk], REASON),
    ),
    # --- Records: read-only for everybody --------------------------------------------------------
    **_model("billing_receipt", _read_only("receipt")),
    **_model("billing_property", _read_only("house")),
    **_model("billing_account", _read_only("account")),
    **_model("billing_batchtransition", _read_only("transition")),
    **_model("billing_audittransition", _read_only("transition")),
    **_model("integration_condocall", _read_only("call")),
    **_model("integration_reconciliation", _read_only("reconciliation")),
    "integration_reconciliation_export": (GET(see(*VIEWERS), _pk("reconciliation")),),
    # --- Administered by superusers --------------------------------------------------------------
    **_model("billing_organization", _superuser_edits(_organization_form, viewers=VIEWERS, spare="spare_organization")),
    **_model("billing_recipient", _superuser_edits(_recipient_form, viewers=VIEWERS, spare="spare_recipient")),
    # Column layouts of Sberbank registries: configured by an administrator, offered in the upload form.
    **_model(
        "billing_sbercolumnmap",
        _superuser_edits(_column_map_form, viewers=(SU,), spare="column_map", action_refused=403),
    ),
}
# The admin's own pages, for our apps.
CORE: dict[tuple[str, tuple], tuple[Row, ...]] = {
    ("index", ()): (GET(see(STAFF, *VIEWERS)),),
    ("app_list", ("billing",)): (GET(see(*VIEWERS, other=404)),),
    ("app_list", ("integration",)): (GET(see(*VIEWERS, other=404)),),
}
# Other apps' admin pages (users, groups, the task queue, login attempts): superusers only.
OTHER_APPS_EXPECT = see(SU)

# The list actions each role is offered, per model admin of ours (none unless named).
ACTIONS: dict[str, dict[str, set[str]]] = {
    "billing.batch": {ACC: {"export_receipts_action"}, APP: {"export_receipts_action"}, SU: {"export_receipts_action"}},
    "billing.organization": {SU: {"delete_selected"}},
    "billing.recipient": {SU: {"delete_selected"}},
    "billing.sbercolumnmap": {SU: {"delete_selected"}},
}


# --- The machinery -------------------------------------------------------------------------------


def our_url_names() -> set[str]:
    names = set()
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label in OURS:
            names.update(p.name for p in model_admin.get_urls() if isinstance(p, URLPattern) and p.name)
    return names


def _client_for(client, world: World, role: str):
    if role != ANON:
        client.force_login(world.user(role))
    return client


def _close(response) -> None:
    # Exhausting a streamed file closes it (and deletes an export's temporary file). Never call
    # close() directly: it would fire request_finished, which closes the test's connection.
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)


def _judge(expected, response, changed: bool) -> str | None:
    status = response.status_code
    to_login = status == 302 and reverse("admin:login") in response.get("Location", "")
    if expected == LOGIN:
        ok = to_login and not changed
    elif expected == DONE:
        ok = status in (200, 302) and not to_login and changed
    elif expected == REFUSED:
        ok = status in (200, 302, 403) and not to_login and not changed
    else:
        ok = status == expected and not changed
    if ok:
        return None
    return f"expected {expected}, got {status}{' (to login)' if to_login else ''}{', changed' if changed else ''}"


def _request(client, url: str, row: Row, world: World, media_root, capture) -> tuple[Any, bool]:
    if row.method == "GET":
        response = client.get(url)
        _close(response)
        return response, False
    # Each POST runs in a savepoint rolled back afterwards, so every row starts from the same world.
    with transaction.atomic():
        before = snapshot(media_root)
        with capture() as queued:
            response = client.post(url, row.data(world))
        after = snapshot(media_root)
        transaction.set_rollback(True)
    _close(response)
    return response, before != after or bool(queued)


def _sweep(role: str, method: str, client, world, media_root, capture) -> list[str]:
    client = _client_for(client, world, role)
    problems = []
    for name, rows in MATRIX.items():
        for row in rows:
            if row.method != method:
                continue
            url = reverse(f"admin:{name}", args=row.args(world) if row.args else None)
            response, changed = _request(client, url, row, world, media_root, capture)
            problem = _judge(row.expect[role], response, changed)
            if problem:
                problems.append(f"{method} {name}{f' [{row.label}]' if row.label else ''} {url}: {problem}")
    return problems


# --- The tests -----------------------------------------------------------------------------------


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
