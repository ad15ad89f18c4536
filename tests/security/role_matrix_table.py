"""The role matrix's table: per named admin URL of ours, what each role's GET or POST must answer.

tests/security/test_role_matrix.py sweeps it (with role_matrix_sweep.py); the table lives apart so
that a new page means one new row here.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from billing.importers.desk_template import desk_template_bytes
from tests.billing.pdfs.support import make_pdf
from tests.security.world import ROLES, World

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
