"""Errors in the shapes Condo answers with (contract §3, §5.4, §6), and their JSON form."""

from __future__ import annotations

import json
import re
from typing import Any

from graphql import GraphQLError

FINGERPRINT_RE = re.compile(r"^[a-zA-Z0-9!#$%()*+\-;=,:\[\]/.?@^_`{|}~]{5,42}$")


class SandboxError(Exception):
    """Raised by a resolver; becomes one element of `errors[]` with this name and extensions."""

    def __init__(
        self,
        message: str,
        *,
        name: str = "GQLError",
        extensions: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.name = name
        self.extensions = extensions or {}
        self.data = data  # Keystone's error `data`, copied to the answer by safeFormatError.js


def authentication_error() -> SandboxError:
    return SandboxError(
        "No or incorrect authentication credentials", name="AuthenticationError", extensions={"code": "UNAUTHENTICATED"}
    )


def access_denied(target: str | None = None, kind: str = "mutation") -> SandboxError:
    # Not FORBIDDEN: Keystone's access errors get Apollo's default code. A list mutation names
    # itself in `data` (Keystone's throwAccessDenied; contract 13.1).
    message = "You do not have access to this resource"
    if target is None:
        return SandboxError(message, name="AccessDeniedError", extensions={"code": "INTERNAL_SERVER_ERROR"})
    return SandboxError(
        message,
        name="AccessDeniedError",
        extensions={"code": "INTERNAL_SERVER_ERROR", "messageForDeveloper": f"{message}\n\nGraphQL request"},
        data={"type": kind, "target": target},
    )


def gql_error(
    mutation: str,
    code: str,
    kind: str,
    message: str,
    variable: list[str] | None = None,
    *,
    input_index: int | None = None,
    message_for_user: str | None = None,
) -> SandboxError:
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


def receipt_rejected(receipt: dict[str, Any]) -> SandboxError:
    """A receipt the receipt stage failed to save, rejected with the object itself (13.9).

    receiptResolver.js creates RECEIPT_SAVE_FAILED but does not keep it; RegisterBillingReceipts-
    Service.js rejects the entry with the working object, which graphql 16 prints with `inspect`.
    """
    return SandboxError(
        f"Unexpected error value: {inspect(receipt)}", name="GraphQLError", extensions={"code": "INTERNAL_SERVER_ERROR"}
    )


def inspect(value: Any, depth: int = 0) -> str:
    """graphql-js 16 `inspect`: two levels of objects, ten items of an array, strings as JSON."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        if not value:
            return "[]"
        if depth >= 2:
            return "[Array]"
        items = [inspect(item, depth + 1) for item in value[:10]]
        if len(value) > 10:
            items.append(f"... {len(value) - 10} more items")
        return "[" + ", ".join(items) + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        if depth >= 2:
            return "[Object]"
        return "{ " + ", ".join(f"{key}: {inspect(item, depth + 1)}" for key, item in value.items()) + " }"
    return str(value)


def check_dv_sender(mutation: str, data: dict[str, Any]) -> None:
    if data.get("dv") != 1:
        raise gql_error(
            mutation, "BAD_USER_INPUT", "DV_VERSION_MISMATCH", "Wrong value for data version number", ["data", "dv"]
        )
    sender = data.get("sender") or {}
    if sender.get("dv") != 1 or not FINGERPRINT_RE.match(str(sender.get("fingerprint") or "")):
        raise gql_error(
            mutation,
            "BAD_USER_INPUT",
            "WRONG_FORMAT",
            'Invalid format of "sender" field value. Please, check the example for details',
            ["data", "sender"],
        )


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
    if isinstance(original, SandboxError) and original.data:
        result["data"] = original.data
    return result


def request_error(message: str, code: str, kind: str | None = None, **extra: Any) -> dict[str, Any]:
    """An error raised before execution (no path, no data)."""
    extensions: dict[str, Any] = {"code": code}
    if kind:
        extensions["type"] = kind
        extensions["message"] = message
    extensions.update(extra)
    return {"message": message, "name": "GQLError", "extensions": extensions}
