"""Admin pages of records that nobody edits by hand: imports and the workflow write them."""

from __future__ import annotations

from django.http import HttpRequest


class ReadOnlyAdminMixin:
    """Records, not documents: viewable by those with the view permission, editable by nobody."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
