"""What one HTTP answer means: ok, retry, split, log in again, or give up (contract §1, §5.4–§6)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from integration.condo import errors as E
from integration.condo.transport import HttpAnswer

OK, PARTIAL, TRANSIENT, PERMANENT, UNAUTHENTICATED, TOO_LARGE = (
    "ok",
    "partial",
    "transient",
    "permanent",
    "unauthenticated",
    "too_large",
)


@dataclass
class Verdict:
    kind: str
    code: str = ""
    message: str = ""
    item_errors: dict[int, dict[str, Any]] = field(default_factory=dict)
    reset_at: float | None = None
    counts_as_server_failure: bool = False  # for the circuit breaker


def item_index(error: dict[str, Any]) -> int | None:
    """The receipt an error belongs to: `path[1]`, or `extensions.inputIndex` (a string)."""
    path = error.get("path") or []
    if len(path) >= 2 and isinstance(path[1], int):
        return path[1]
    index = (error.get("extensions") or {}).get("inputIndex")
    if isinstance(index, (int, str)) and str(index).isdigit():
        return int(index)
    return None


def judge(answer: HttpAnswer, *, response_key: str, per_item: bool) -> Verdict:
    if answer.failure in ("timeout", "network"):
        return Verdict(
            TRANSIENT, code=answer.failure.upper(), message=_NETWORK[answer.failure], counts_as_server_failure=True
        )
    if answer.failure == "not_graphql":
        status = answer.status
        if status >= 500 or status in (408, 429) or status < 400:
            return Verdict(
                TRANSIENT,
                code=f"HTTP_{status}",
                message=f"Condo ответил HTTP {status} без ответа GraphQL",
                counts_as_server_failure=status != 429,
            )
        return Verdict(PERMANENT, code=f"HTTP_{status}", message=f"Condo отказал: HTTP {status}")

    result = (answer.data or {}).get(response_key) if answer.data else None
    whole: list[dict[str, Any]] = []
    items: dict[int, dict[str, Any]] = {}
    for error in answer.errors:
        index = item_index(error) if per_item and isinstance(result, list) else None
        if index is not None:
            items.setdefault(index, error)
        else:
            whole.append(error)
    if not whole:
        if answer.data is None or response_key not in answer.data:
            return Verdict(
                TRANSIENT, code="BAD_RESPONSE", message="Condo ответил без данных", counts_as_server_failure=True
            )
        return Verdict(PARTIAL if items else OK, item_errors=items)
    return _judge_whole(whole, answer.status)


def _judge_whole(errors: list[dict[str, Any]], status: int) -> Verdict:
    message = E.describe(errors)
    if any(E.is_unauthenticated(error) for error in errors):
        return Verdict(UNAUTHENTICATED, code=E.UNAUTHENTICATED, message=message)
    if any(E.error_code(error) == "PAYLOAD_TOO_LARGE" for error in errors):
        return Verdict(TOO_LARGE, code="PAYLOAD_TOO_LARGE", message=message)
    if any(E.is_rate_limited(error) for error in errors):
        return Verdict(TRANSIENT, code="TOO_MANY_REQUESTS", message=message, reset_at=E.reset_time(errors))
    first = errors[0]
    if E.is_access_denied(first):
        # Also what a context that is not Finished, or deleted, looks like (contract §3).
        return Verdict(PERMANENT, code=E.ACCESS_DENIED, message=message)
    if str(first.get("message", "")).startswith("[passwordAuth:"):
        return Verdict(PERMANENT, code="WRONG_CREDENTIALS", message=message)
    code = E.error_code(first) or f"HTTP_{status}"
    if E.is_transient(first, status):
        return Verdict(TRANSIENT, code=code, message=message, counts_as_server_failure=True)
    return Verdict(PERMANENT, code=code, message=message)


_NETWORK = {
    "timeout": "Condo не ответил вовремя (тайм-аут)",
    "network": "нет связи с Condo (сетевая ошибка)",
}


def refusal_text(verdict: Verdict) -> str:
    """What the desk shows for a permanent refusal."""
    if verdict.code == "ACCESS_DENIED":
        return (
            "Condo отказал в доступе: контекст биллинга не найден, удалён, не в статусе Finished "
            "или у пользователя интеграции нет прав на него."
        )
    if verdict.code == "UNAUTHENTICATED":
        return "Condo не принял вход пользователя интеграции даже после повторного входа."
    if verdict.code == "WRONG_CREDENTIALS":
        return "Condo отклонил логин или пароль пользователя интеграции (CONDO_LOGIN / CONDO_PASSWORD)."
    return f"Condo отклонил запрос: {verdict.message or verdict.code}"


def outage_text(verdict: Verdict, attempt: int) -> str:
    """What the desk shows once the retries of a transient failure ran out."""
    return f"Condo временно недоступен ({verdict.message or verdict.code}); попыток: {attempt}."
