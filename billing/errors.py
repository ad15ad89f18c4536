"""Domain errors. Their messages are safe to show an accountant as they are."""

from __future__ import annotations


class ApplicationError(Exception):
    """A refusal the user can understand and act on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ActionForbidden(ApplicationError):
    """The user's role does not allow this action (answered with 403 in the admin)."""


class TransitionNotAllowed(ApplicationError):
    pass


class ConcurrentTransition(ApplicationError):
    """Someone else moved the batch first; the caller's view of it is stale."""
