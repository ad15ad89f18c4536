"""The only module that imports gql and httpx: one POST of one operation, nothing decided here.

gql's httpx transport is used as it is, with two overrides: it sends a body we serialize
ourselves (so we know its size, and gql's DEBUG log of the whole payload, credentials and
full names included, never runs) and it keeps the HTTP status, which classification needs
alongside Condo's error codes.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, cast

import httpx
from gql import GraphQLRequest
from gql.transport.exceptions import (
    TransportConnectionFailed,
    TransportProtocolError,
    TransportServerError,
)
from gql.transport.httpx import HTTPXTransport

from integration.condo import jsontext
from integration.condo.documents import Operation


@dataclass
class HttpAnswer:
    status: int  # 0 when no HTTP answer came back
    data: dict[str, Any] | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    headers: Mapping[str, str] = field(default_factory=dict)  # case-insensitive when from HTTP
    sent_bytes: int = 0
    failure: str = ""  # "" | "timeout" | "network" | "not_graphql"


class _PreparedRequest(GraphQLRequest):
    """A request whose query text was printed once per operation, not once per call."""

    def __init__(self, operation: Operation, variables: dict[str, Any]) -> None:
        super().__init__(operation.document, variable_values=variables, operation_name=operation.name)
        self._text = operation.text

    @property
    def payload(self) -> dict[str, Any]:
        return {"operationName": self.operation_name, "query": self._text, "variables": self.variable_values}


class _Transport(HTTPXTransport):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.local = threading.local()

    def _prepare_request(
        self,
        request: GraphQLRequest | list[GraphQLRequest],
        *,
        extra_args: dict[str, Any] | None = None,
        upload_files: bool = False,
    ) -> dict[str, Any]:
        payload = request.payload if isinstance(request, GraphQLRequest) else [item.payload for item in request]
        body = jsontext.dumps(payload).encode()
        self.local.sent_bytes = len(body)
        headers = {"Content-Type": "application/json"}
        headers.update((extra_args or {}).get("headers") or {})
        return {"content": body, "headers": headers}

    def _get_json_result(self, response: httpx.Response) -> Any:
        self.local.status = response.status_code
        self.local.headers = response.headers
        try:
            return self.json_deserialize(response.content)
        except ValueError:
            self._raise_response_error(response, "Not a JSON answer")


@cache
def _tls_context() -> ssl.SSLContext:
    """httpx's own default verification (certifi's CAs, or SSL_CERT_FILE / SSL_CERT_DIR), built once.

    httpx builds it for every client, loading the whole CA bundle: 30–40 ms of CPU for each
    publish, reconciliation or check (1.3 ms per 1,000 receipts of a 30,000-receipt batch).
    A context is safe to share between clients and threads.
    """
    return httpx.create_ssl_context()


class CondoTransport:
    def __init__(self, url: str, *, connect_timeout: float, read_timeout: float) -> None:
        timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
        self._transport = _Transport(url=url, timeout=timeout, verify=_tls_context())
        self._transport.connect()

    def post(self, operation: Operation, variables: dict[str, Any], headers: dict[str, str]) -> HttpAnswer:
        request = _PreparedRequest(operation, variables)
        local = self._transport.local
        local.status, local.headers, local.sent_bytes = 0, {}, 0
        try:
            result = self._transport.execute(request, extra_args={"headers": headers})
        except TransportConnectionFailed as error:
            kind = "timeout" if isinstance(error.__cause__, httpx.TimeoutException) else "network"
            return HttpAnswer(status=0, failure=kind, sent_bytes=local.sent_bytes)
        except TransportServerError as error:
            status = error.code or local.status
            return HttpAnswer(status=status, failure="not_graphql", headers=local.headers, sent_bytes=local.sent_bytes)
        except TransportProtocolError:
            return HttpAnswer(
                status=local.status, failure="not_graphql", headers=local.headers, sent_bytes=local.sent_bytes
            )
        return HttpAnswer(
            status=local.status,
            data=result.data,
            errors=cast(list[dict[str, Any]], list(result.errors or [])),  # gql hands the raw dicts over
            headers=local.headers,
            sent_bytes=local.sent_bytes,
        )

    def close(self) -> None:
        self._transport.close()
