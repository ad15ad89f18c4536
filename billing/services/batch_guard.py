"""The two questions asked before acting on a batch outside its transition table."""

from __future__ import annotations

from collections.abc import Container

from django.contrib.auth.models import AbstractUser

from billing.errors import ActionForbidden, ApplicationError
from billing.models import Batch


def require_role_and_status(
    *, by: AbstractUser, permission: str, forbidden: str, batch: Batch, statuses: Container[str], wrong_status: str
) -> None:
    """The role first, so that someone who may never do this is not told about the batch's status."""
    if not by.has_perm(permission):
        raise ActionForbidden(forbidden)
    if batch.status not in statuses:
        raise ApplicationError(wrong_status)
