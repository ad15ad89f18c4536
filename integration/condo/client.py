"""CondoClient: log in once, send one operation with retries, and the public calls.

The heavy lifting of each public call lives next door (register.py, reads.py, withdraw.py);
this module owns authentication, the retry loop, the circuit breaker and the call log.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from django.conf import settings

from integration.condo import calls
from integration.condo.auth import LocalTokenCache, TokenStore, token_cache
from integration.condo.documents import operations
from integration.condo.errors import CondoError, PayloadTooLarge
from integration.condo.payloads import sender
from integration.condo.reads import count_receipts, iter_accounts, iter_receipts
from integration.condo.records import CallRecord, CondoAccount, CondoReceipt, ReceiptError, ReceiptIn, ReceiptOutcome
from integration.condo.register import OnOutcomes, register_receipts
from integration.condo.resilience import Backoff, CircuitBreaker, Clock, retry_after_seconds, shared_breaker
from integration.condo.transport import CondoTransport, HttpAnswer
from integration.condo.withdraw import register_receipt_file, withdraw_receipts

logger = logging.getLogger("integration.condo")

FINGERPRINT_RE = re.compile(r"^[a-zA-Z0-9!#$%()*+\-;=,:\[\]/.?@^_`{|}~]{5,42}$")
PHONE_RE = re.compile(r"^\+\d{10,15}$")
MAX_RECEIPTS_PER_CALL = 1000  # Condo's RECEIPTS_LIMIT (contract §5.1)
LOGIN_OPERATIONS = frozenset({"signin", "signinByPhone"})


class CondoClient:
    def __init__(
        self,
        *,
        api_url: str,
        login: str = "",
        password: str = "",
        token: str = "",
        sender_fingerprint: str,
        chunk_size: int = 300,
        max_variables_bytes: int = 508 * 1024,
        connect_timeout: float = 5.0,
        read_timeout: float = 60.0,
        max_attempts: int = 5,
        withdraw_chunk_size: int = 50,
        on_call: Callable[[CallRecord], None] | None = None,
        clock: Clock | None = None,
        backoff: Backoff | None = None,
        breaker: CircuitBreaker | None = None,
        token_store: TokenStore | None = None,
        accept_language: str = "ru",
    ) -> None:
        if not FINGERPRINT_RE.match(sender_fingerprint):
            # Condo would save the receipts and then fail the call on it (contract §11.6).
            raise CondoError(
                "Неверный CONDO_SENDER_FINGERPRINT: 5–42 латинских букв, цифр или знаков.",
                transient=False,
                code="WRONG_SENDER",
            )
        if not token and not (login and password):
            raise CondoError(
                "Не настроен доступ к Condo: задайте CONDO_LOGIN и CONDO_PASSWORD или CONDO_TOKEN.",
                transient=False,
                code="NOT_CONFIGURED",
            )
        self.api_url = api_url
        self.on_call = on_call
        self.chunk_size = max(1, min(chunk_size, MAX_RECEIPTS_PER_CALL))
        self.max_variables_bytes = max_variables_bytes
        self.max_attempts = max(1, max_attempts)
        self.withdraw_chunk_size = max(1, withdraw_chunk_size)
        self.sender = sender(sender_fingerprint)
        self.clock = clock or Clock()
        self.backoff = backoff or Backoff()
        self.breaker = breaker or CircuitBreaker(clock=self.clock)
        self._login, self._password, self._fixed_token = login, password, token
        self._store = token_store or TokenStore(api_url=api_url, login=login or "token", cache=LocalTokenCache())
        self._operations = operations()  # validates every document once per process
        self._transport = CondoTransport(api_url, connect_timeout=connect_timeout, read_timeout=read_timeout)
        self._headers = {"Accept-Language": accept_language}

    @classmethod
    def from_settings(cls, *, on_call: Callable[[CallRecord], None] | None = None, **overrides: Any) -> CondoClient:
        url = overrides.pop("api_url", settings.CONDO_API_URL)
        login = overrides.pop("login", settings.CONDO_LOGIN)
        options: dict[str, Any] = {
            "password": settings.CONDO_PASSWORD,
            "token": settings.CONDO_TOKEN,
            "sender_fingerprint": settings.CONDO_SENDER_FINGERPRINT,
            "chunk_size": settings.CONDO_CHUNK_SIZE,
            "max_variables_bytes": settings.CONDO_MAX_VARIABLES_BYTES,
            "connect_timeout": settings.CONDO_CONNECT_TIMEOUT,
            "read_timeout": settings.CONDO_READ_TIMEOUT,
            "max_attempts": settings.CONDO_MAX_ATTEMPTS,
            "withdraw_chunk_size": settings.CONDO_WITHDRAW_CHUNK_SIZE,
            "backoff": Backoff(
                base=settings.CONDO_BACKOFF_BASE, cap=settings.CONDO_BACKOFF_CAP, max_wait=settings.CONDO_MAX_RETRY_WAIT
            ),
            "breaker": shared_breaker(
                url, threshold=settings.CONDO_BREAKER_THRESHOLD, cooldown=settings.CONDO_BREAKER_COOLDOWN
            ),
            "token_store": TokenStore(
                api_url=url, login=login or "token", cache=token_cache(settings.CONDO_TOKEN_CACHE)
            ),
        }
        options.update(overrides)
        return cls(api_url=url, login=login, on_call=on_call, **options)

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> CondoClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- Public calls ----------------------------------------------------------------------

    def register_receipts(
        self, context_id: str, receipts: list[ReceiptIn], on_outcomes: OnOutcomes | None = None
    ) -> list[ReceiptOutcome]:
        """One outcome per input receipt, in input order; see register.register_receipts."""
        return register_receipts(self, context_id, receipts, on_outcomes)

    def count_receipts(self, context_id: str, period: date) -> int:
        return count_receipts(self, context_id, period)

    def iter_receipts(self, context_id: str, period: date) -> Iterator[CondoReceipt]:
        return iter_receipts(self, context_id, period)

    def iter_accounts(self, context_id: str) -> Iterator[CondoAccount]:
        return iter_accounts(self, context_id)

    def withdraw_receipts(self, condo_ids: list[str]) -> dict[str, ReceiptError | None]:
        return withdraw_receipts(self, condo_ids)

    def register_receipt_file(self, context_id: str, import_id: str, pdf: bytes) -> str:
        return register_receipt_file(self, context_id, import_id, pdf)

    def check_token(self) -> str:
        """The id of the user Condo knows us as (logs in first when needed)."""
        answer, _ = self.call("authenticatedUser", {})
        user = (answer.data or {}).get("user")
        if not user:
            raise CondoError("Condo не узнал пользователя интеграции.", transient=False, code="UNAUTHENTICATED")
        return str(user["id"])

    # --- One operation with retries ----------------------------------------------------------

    def call(
        self, name: str, variables: dict[str, Any], *, receipts: int = 0, per_item: bool = False
    ) -> tuple[HttpAnswer, calls.Verdict]:
        """Send until it succeeds (or partly succeeds); raise CondoError or PayloadTooLarge otherwise."""
        operation = self._operations[name]
        authorized = name not in LOGIN_OPERATIONS
        token = self._token() if authorized else None
        relogged = False
        attempt = 0
        while True:
            attempt += 1
            if not self.breaker.allow():
                raise CondoError(
                    f"Condo недоступен: после серии ошибок вызовы приостановлены на {self.breaker.retry_in():.0f} с.",
                    transient=True,
                    code="CIRCUIT_OPEN",
                )
            request_id = f"{name}-{uuid.uuid4().hex}"
            headers = {**self._headers, "X-Request-Id": request_id}
            if token:
                headers["Authorization"] = f"Bearer {token}"
            started = self.clock.monotonic()
            verdict = calls.Verdict(calls.TRANSIENT, code="CLIENT_ERROR", counts_as_server_failure=True)
            answer = HttpAnswer(status=0)
            try:
                answer = self._transport.post(operation, variables, headers)
                verdict = calls.judge(answer, response_key=operation.response_key, per_item=per_item)
            finally:
                if verdict.counts_as_server_failure:
                    self.breaker.record_failure()
                else:
                    self.breaker.record_success()
                self._record(name, receipts, answer, attempt, started, verdict, request_id)
            if verdict.kind in (calls.OK, calls.PARTIAL):
                return answer, verdict
            if verdict.kind == calls.TOO_LARGE:
                raise PayloadTooLarge(verdict.message)
            if verdict.kind == calls.UNAUTHENTICATED and authorized and not relogged:
                # Condo's own client does the same: log in again once, resend once (contract §2).
                token, relogged, attempt = self._token(refused=token), True, attempt - 1
                continue
            if verdict.kind != calls.TRANSIENT:
                raise CondoError(calls.refusal_text(verdict), transient=False, code=verdict.code)
            wait = self._wait(attempt, answer, verdict)
            if wait is None:
                raise CondoError(calls.outage_text(verdict, attempt), transient=True, code=verdict.code)
            self.clock.sleep(wait)

    def _wait(self, attempt: int, answer: HttpAnswer, verdict: calls.Verdict) -> float | None:
        if attempt >= self.max_attempts:
            return None
        now = self.clock.time()
        retry_after = retry_after_seconds(answer.headers.get("retry-after") if answer.headers else None, now=now)
        return self.backoff.delay(attempt, now=now, reset_at=verdict.reset_at, retry_after=retry_after)

    # --- Authentication ------------------------------------------------------------------------

    def _can_login(self) -> bool:
        return bool(self._login and self._password)

    def _token(self, *, refused: str | None = None) -> str:
        if self._fixed_token:
            if refused is None:
                return self._fixed_token
            if refused == self._fixed_token:
                self._fixed_token = ""  # Condo refused it: from now on, log in instead
        if not self._can_login():
            raise CondoError(
                "Condo отверг CONDO_TOKEN, а логин и пароль не заданы.", transient=False, code="UNAUTHENTICATED"
            )
        return self._store.obtain(self._sign_in, refused=refused)

    def _sign_in(self) -> str:
        if PHONE_RE.match(self._login):
            # The phone mutation looks for a staff user unless told otherwise (contract §2).
            data = {
                "dv": 1,
                "sender": self.sender,
                "phone": self._login,
                "password": self._password,
                "userType": "service",
            }
            answer, _ = self.call("signinByPhone", {"data": data})
        else:
            answer, _ = self.call("signin", {"identity": self._login, "secret": self._password})
        token = ((answer.data or {}).get("auth") or {}).get("token")
        if not token:
            raise CondoError("Condo не выдал токен при входе.", transient=False, code="WRONG_CREDENTIALS")
        logger.info("condo: logged in as the integration's service user")
        return str(token)

    # --- Call log ------------------------------------------------------------------------------

    def _record(
        self,
        name: str,
        receipts: int,
        answer: HttpAnswer,
        attempt: int,
        started: float,
        verdict: calls.Verdict,
        request_id: str,
    ) -> None:
        duration_ms = int((self.clock.monotonic() - started) * 1000)
        outcome = {calls.OK: "ok", calls.PARTIAL: "partial"}.get(verdict.kind, "error")
        error_class = ""
        if outcome == "error":
            # Too large (split and resent) and unauthenticated (logged in again) are followed up too.
            retried = verdict.kind in (calls.TRANSIENT, calls.TOO_LARGE, calls.UNAUTHENTICATED)
            error_class = "transient" if retried else "permanent"
        record = CallRecord(
            name, receipts, answer.sent_bytes, attempt, duration_ms, outcome, error_class, verdict.code, request_id
        )
        level = logging.INFO if outcome != "error" else logging.WARNING
        logger.log(
            level,
            "condo %s: receipts=%s bytes=%s attempt=%s duration_ms=%s http=%s outcome=%s%s request_id=%s",
            name,
            receipts,
            record.bytes,
            attempt,
            duration_ms,
            answer.status,
            outcome,
            f" error={error_class}/{verdict.code}" if verdict.code else "",
            request_id,
        )
        if self.on_call is not None:
            self.on_call(record)
