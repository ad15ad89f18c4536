"""Errors in the shapes Condo answers with (contract §3, §5.4, §6), and their JSON form."""

from __future__ import annotations

import re
from typing import Any

from graphql import GraphQLError

FINGERPRINT_RE = re.compile(r"^[a-zA-Z0-9!#$%()*+\-;=,:\[\]/.?@^_`{|}~]{5,42}$")


class SandboxError(Exception):
    """Raised by a resolver; becomes one element of `errors[]` with this name and extensions."""

    def __init__(self, message: str, *, name: str = "GQLError", extensions: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.name = name
        self.extensions = extensions or {}


def authentication_error() -> SandboxError:
    return SandboxError("No or incorrect authentication credentials", name="AuthenticationError",
                        extensions={"code": "UNAUTHENTICATED"})


def access_denied() -> SandboxError:
    # Not FORBIDDEN: Keystone's access errors get Apollo's default code.
    return SandboxError("You do not have access to this resource", name="AccessDeniedError",
                        extensions={"code": "INTERNAL_SERVER_ERROR"})


def gql_error(mutation: str, code: str, kind: str, message: str, variable: list[str] | None = None,
              *, input_index: int | None = None, message_for_user: str | None = None) -> SandboxError:
    extensions: dict[str, Any] = {"mutation": mutation, "code": code, "type": kind, "message": message}
    if variable:
        extensions["variable"] = variable
    if input_index is not None:
        extensions["inputIndex"] = str(input_index)
    if message_for_user:
        extensions["messageForUser"] = message_for_user
    extensions["messageForDeveloper"] = message
    return SandboxError(message, extensions=extensions)


def unexpected_value(mutation: str, message: str, details: str = "") -> SandboxError:
    """graphql-js's wrapping of a rejection with a plain object (Condo's address quirk)."""
    text = f'Unexpected error value: {{ mutation: "{mutation}", message: "{message}"{details} }}'
    return SandboxError(text, name="GraphQLError", extensions={"code": "INTERNAL_SERVER_ERROR"})


def check_dv_sender(mutation: str, data: dict[str, Any]) -> None:
    if data.get("dv") != 1:
        raise gql_error(mutation, "BAD_USER_INPUT", "DV_VERSION_MISMATCH", "Wrong value for data version number", ["data", "dv"])
    sender = data.get("sender") or {}
    if sender.get("dv") != 1 or not FINGERPRINT_RE.match(str(sender.get("fingerprint") or "")):
        raise gql_error(mutation, "BAD_USER_INPUT", "WRONG_FORMAT",
                        'Invalid format of "sender" field value. Please, check the example for details', ["data", "sender"])


def formatted(error: GraphQLError) -> dict[str, Any]:
    original = error.original_error
    result: dict[str, Any] = {"message": error.message}
    if isinstance(original, SandboxError):
        result["name"] = original.name
    else:
        result["name"] = "GraphQLError"
    if error.locations:
        result["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path:
        result["path"] = list(error.path)
    extensions = dict(original.extensions) if isinstance(original, SandboxError) else dict(error.extensions or {})
    extensions.setdefault("code", "INTERNAL_SERVER_ERROR")
    result["extensions"] = extensions
    return result


def request_error(message: str, code: str, kind: str | None = None, **extra: Any) -> dict[str, Any]:
    """An error raised before execution (no path, no data)."""
    extensions: dict[str, Any] = {"code": code}
    if kind:
        extensions["type"] = kind
        extensions["message"] = message
    extensions.update(extra)
    return {"message": message, "name": "GQLError", "extensions": extensions}
