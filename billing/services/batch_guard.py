"""The two questions asked before acting on a batch outside its transition table: may this person
do it at all, and may it be done to the batch in its status now. Asking the role first keeps the
batch's status from someone who may never act on it."""

from __future__ import annotations

from collections.abc import Container

from django.contrib.auth.models import User

from billing.errors import ActionForbidden, ApplicationError
from billing.models import Batch


def require_permission(by: User, permission: str, refusal: str) -> None:
    if not by.has_perm(permission):
        raise ActionForbidden(refusal)


def require_status(batch: Batch, statuses: Container[str], refusal: str) -> None:
    if batch.status not in statuses:
        raise ApplicationError(refusal)
