"""What a batch panel is, and the doors every panel's views share.

A panel is one feature of the batch admin (review, PDFs, exports, checks, confirmations, and
integration's publishing): the URLs it adds under `admin/billing/batch/`, the part of the batch
page it fills (a context and its sections) and its buttons above the list. BatchAdmin lists its
panels and builds its URLs and its page from them; a panel never asks what the others are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from billing.errors import ActionForbidden, ApplicationError
from billing.models import Batch

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin
    from django.urls import URLPattern

    from billing.admin.batches import BatchAdmin
    from billing.admin.object_tools import ObjectTool


@dataclass(frozen=True)
class BatchAction:
    """A workflow button: the status it leads to and the service that takes the batch there."""

    slug: str
    target: str
    label: str
    done: str
    service: Callable[..., Batch]
    needs_reason: bool = False
    # Irreversible buttons open a confirmation page (panels/confirmations.py) instead of posting.
    confirm: bool = False

    def url_name(self) -> str:
        return f"billing_batch_{self.slug}"

    def run(self, *, batch: Batch, by, reason: str) -> Batch:
        if self.needs_reason:
            return self.service(batch=batch, by=by, reason=reason)
        return self.service(batch=batch, by=by)


@dataclass(frozen=True)
class BatchPanel:
    """One feature of the batch admin; every part but the URLs is optional."""

    name: str
    # Given the BatchAdmin, the panel's URL patterns (named `billing_batch_…`, wrapped in admin_view).
    urls: Callable[[BatchAdmin], list[URLPattern]]
    # What the panel's sections need on the batch page.
    context: Callable[[BatchAdmin, HttpRequest, Batch], dict[str, Any]] | None = None
    # (slot, template): where on the batch page the panel shows; BatchAdmin.page_layout orders the slots.
    sections: tuple[tuple[str, str], ...] = ()
    # Buttons above the batch list.
    object_tools: Callable[[HttpRequest], list[ObjectTool]] | None = None
    # Workflow buttons of the batch page; BatchAdmin routes them to the shared action view.
    actions: tuple[BatchAction, ...] = ()


def admin_door(model_admin: ModelAdmin, view: Callable[..., HttpResponseBase], *decorators: Callable) -> Callable:
    """`view(model_admin, request, **url_kwargs)` as a view of the admin site (login, staff, CSRF)."""

    def door(request: HttpRequest, **kwargs: Any) -> HttpResponseBase:
        return view(model_admin, request, **kwargs)

    for decorator in decorators:
        door = decorator(door)
    return model_admin.admin_site.admin_view(door)


def door_path(
    model_admin: ModelAdmin, route: str, view: Callable[..., HttpResponseBase], name: str, *decorators: Callable
) -> URLPattern:
    """One panel URL: `route` served by `view` through admin_door, named `name`."""
    return path(route, admin_door(model_admin, view, *decorators), name=name)


def actor(request: HttpRequest) -> User:
    """The signed-in user a service acts for; admin_view lets nobody else through."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def batch_or_404(model_admin: ModelAdmin, request: HttpRequest, object_id: str) -> Batch:
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    batch = model_admin.get_object(request, unquote(object_id))
    if batch is None:
        raise Http404("Пакет не найден.")
    return batch


def forbidden_response(
    model_admin: ModelAdmin, request: HttpRequest, batch: Batch, error: ActionForbidden
) -> TemplateResponse:
    """403 with the service's reason, in the admin's chrome."""
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Действие запрещено",
        "opts": model_admin.opts,
        "batch": batch,
        "message": error.message,
    }
    return TemplateResponse(request, "admin/billing/batch/forbidden.html", context, status=403)


def batch_page(batch: Batch, anchor: str = "") -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("admin:billing_batch_change", args=[batch.pk]) + anchor)


def run_service(
    model_admin: ModelAdmin,
    request: HttpRequest,
    batch: Batch,
    call: Callable[[], object],
    done: str,
    *,
    land_on: Batch | None = None,
    anchor: str = "",
) -> HttpResponse:
    """Call a service for a button: a refusal for the user's role is a 403, any other a message."""
    try:
        call()
    except ActionForbidden as error:
        return forbidden_response(model_admin, request, batch, error)
    except ApplicationError as error:
        model_admin.message_user(request, error.message, level=messages.ERROR)
    else:
        model_admin.message_user(request, done, level=messages.SUCCESS)
    return batch_page(land_on or batch, anchor)


def service_view(
    service: Callable[..., object], done: str, *, anchor: str = ""
) -> Callable[[ModelAdmin, HttpRequest, str], HttpResponse]:
    """The view of a button that calls `service(batch=…, by=…)` on the page's batch and says `done`."""

    def view(model_admin: ModelAdmin, request: HttpRequest, object_id: str) -> HttpResponse:
        batch = batch_or_404(model_admin, request, object_id)
        return run_service(
            model_admin, request, batch, lambda: service(batch=batch, by=actor(request)), done, anchor=anchor
        )

    return view
