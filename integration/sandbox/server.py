"""The sandbox's HTTP side: POST /admin/api on loopback, one thread per connection.

server = SandboxServer(port=0).start()          # in-memory state, a free port
server.add_service_user("publisher@example.com", "secret")
server.add_context(context_id)
... CondoClient(api_url=server.url, ...) ...
server.stop()
"""

from __future__ import annotations

import json
import logging
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from integration.sandbox import ledger
from integration.sandbox.engine import Answer, Engine
from integration.sandbox.faults import FaultConfig
from integration.sandbox.state import CallSeen, SandboxState
from integration.sandbox.storage import Storage

logger = logging.getLogger("integration.sandbox")

REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9_/=+-]+$")
MAX_BODY_BYTES = 100 * 1024 * 1024  # express's JSON parser limit (contract §1)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, each answer waits ~40 ms for an ACK.
    disable_nagle_algorithm = True
    server: _Server

    def do_POST(self) -> None:
        if self.path.split("?")[0].rstrip("/") != "/admin/api":
            return self._send(404, {"errors": [{"message": "Not found"}]})
        request_id = self.headers.get("X-Request-Id") or ""
        if request_id and not REQUEST_ID_RE.match(request_id):
            return self._send(423, {"errors": [{"message": "Invalid X-Request-Id header"}]})
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self.close_connection = True
            return self._send(
                413, {"errors": [{"message": "request entity too large", "extensions": {"code": "PAYLOAD_TOO_LARGE"}}]}
            )
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw)
        except ValueError:
            return self._send(
                400, {"errors": [{"message": "Unexpected token in JSON", "extensions": {"code": "BAD_REQUEST"}}]}
            )
        authorization = self.headers.get("Authorization") or ""
        token = authorization[7:].strip() if authorization.startswith("Bearer ") else None
        try:
            answer, operation, receipts = self._run(body, token)
        except Exception:  # a sandbox bug must look like a server crash, not hang the client
            logger.exception("sandbox: unexpected error")
            answer, operation, receipts = (
                Answer(
                    500,
                    {"errors": [{"message": "Internal Server Error", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}]},
                    {},
                ),
                "",
                0,
            )
        self.server.state.seen(
            CallSeen(operation, answer.status, request_id, receipts, length, token is not None, answer.drop)
        )
        if answer.drop:
            # The receipts are stored; the client never hears about it.
            self.close_connection = True
            return None
        headers = dict(answer.headers)
        if request_id:
            headers["X-Request-Id"] = request_id
        return self._send(answer.status, answer.body, headers)

    def _run(self, body: Any, token: str | None) -> tuple[Answer, str, int]:
        engine = self.server.engine
        if isinstance(body, list):  # Apollo batching: one answer per operation, in order
            answers = [engine.run(item, token) for item in body]
            return Answer(200, [a.body for a in answers], {}, drop=any(a.drop for a in answers)), "batch", 0
        answer = engine.run(body, token)
        return answer, answer.operation, _receipts_in(body)

    def do_GET(self) -> None:
        self._send(200, {"sandbox": "Condo sandbox", "api": "/admin/api"})

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("sandbox %s", format % args)


def _receipts_in(body: Any) -> int:
    data = (body.get("variables") or {}).get("data") if isinstance(body, dict) else None
    if isinstance(data, dict) and isinstance(data.get("receipts"), list):
        return len(data["receipts"])
    return len(data) if isinstance(data, list) else 0


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    engine: Engine
    state: SandboxState


class SandboxServer:
    """A local Condo on 127.0.0.1 for the demo and the tests (see integration/sandbox/__init__.py)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        db_path: str | Path | None = None,
        faults: FaultConfig | None = None,
        *,
        max_variables_bytes: int = 512 * 1024,
        max_query_length: int = 8192,
        receipts_limit: int = 1000,
    ) -> None:
        self.state = SandboxState(
            Storage(db_path),
            faults or FaultConfig(),
            max_variables_bytes=max_variables_bytes,
            max_query_length=max_query_length,
            receipts_limit=receipts_limit,
        )
        self._httpd = _Server((host, port), _Handler)
        self._httpd.state = self.state
        self._httpd.engine = Engine(self.state)
        bound, self.port = self._httpd.server_address[:2]
        self.host = bound if isinstance(bound, str) else bytes(bound).decode()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/admin/api"

    @property
    def faults(self) -> FaultConfig:
        return self.state.faults

    @faults.setter
    def faults(self, value: FaultConfig) -> None:
        self.state.faults = value

    def start(self) -> SandboxServer:
        # A short poll interval makes stop() quick (tests start and stop one sandbox each).
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"condo-sandbox-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()
        self.state.storage.close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- Seeding ---------------------------------------------------------------------------------

    def add_service_user(self, email: str, password: str, *, phone: str | None = None) -> str:
        return self.state.storage.add_user(email=email, password=password, phone=phone, type="service")

    def add_user(self, email: str, password: str, *, type: str = "staff", phone: str | None = None) -> str:
        return self.state.storage.add_user(email=email, password=password, phone=phone, type=type)

    def add_context(self, context_id: str, status: str = "Finished", **options: Any) -> None:
        """A billing context (options as Storage.add_context: deleted, organization_tin, organization_deleted);
        `organization_tin` is its organization's, which approves recipients with the same TIN (contract 13.5)."""
        self.state.storage.add_context(context_id, status, **options)

    def add_bank_account(
        self, context_id: str, *, bic: str, number: str, approved: bool = True, deleted: bool = False
    ) -> str:
        """A BankAccount of the context's organization, as Condo's support approves it (13.5)."""
        return self.state.storage.add_bank_account(
            context_id, routing_number=bic, number=number, approved=approved, deleted=deleted
        )

    def delete_receipt(self, receipt_id: str) -> None:
        """Soft-delete a receipt as someone in Condo's own UI would (not through the API)."""
        self.state.storage.delete_receipt(receipt_id)

    def expire_tokens(self) -> None:
        """Every session issued so far is refused from now on (Condo answers UNAUTHENTICATED)."""
        self.state.storage.expire_tokens()

    # --- Inspection for tests -----------------------------------------------------------------

    @property
    def logins(self) -> int:
        return self.state.logins

    @property
    def calls(self) -> list[CallSeen]:
        with self.state.lock:
            return list(self.state.calls)

    def calls_of(self, operation: str) -> list[CallSeen]:
        return [call for call in self.calls if call.operation == operation]

    def receipts(self, context_id: str, *, include_deleted: bool = True) -> list[dict[str, Any]]:
        """Every receipt of a context as Condo would return it (`v`, `deletedAt`, `account` …)."""
        storage = self.state.storage
        with storage.lock:
            return ledger.select_receipts(
                storage.db, {"context": {"id": context_id}}, ["importId_ASC"], include_deleted=include_deleted
            )

    def receipt(self, context_id: str, import_id: str) -> dict[str, Any] | None:
        live = [r for r in self.receipts(context_id, include_deleted=False) if r["importId"] == import_id]
        return live[0] if live else None

    def context_state(self, context_id: str) -> dict[str, Any] | None:
        row = self.state.storage.context(context_id)
        return dict(row) if row else None
