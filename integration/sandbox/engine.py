"""One GraphQL request as Condo's Apollo server answers it, HTTP status included (contract §1).

Order: size limits (before parsing) → parse and validate (cached per query text) → injected
faults and the rate limit (after validation, like Condo's plugin) → execution. A publish call
with a plain selection skips graphql-core's executor: variables are checked by compiled
checkers and the answer is projected from the resolver's dicts, which keeps 100,000 receipts
fast; everything else runs through graphql-core against the project's SDL.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    VariableNode,
    execute,
    parse,
    validate,
)

from integration.condo.rules import variables_size
from integration.sandbox.errors import SandboxError, formatted, request_error
from integration.sandbox.projection import FieldErrors, projection_of, render
from integration.sandbox.resolvers import Root, register
from integration.sandbox.state import SandboxState

MAX_PREPARED = 256


@dataclass
class Prepared:
    document: Any = None
    errors: list[dict[str, Any]] | None = None
    field: str = ""  # the root field, e.g. "registerBillingReceipts"
    alias: str = ""
    location: dict[str, int] | None = None
    projection: list | None = None  # for the fast path; None → graphql-core
    data_variable: str = ""


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]
    drop: bool = False  # close the connection instead of answering
    operation: str = ""  # the root field, for the call log


class Engine:
    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self._prepared: dict[tuple[str, str | None], Prepared] = {}
        self._register_input = state.checker.checker(state.schema.type_map["RegisterBillingReceiptsInput"])

    def run(self, request: Any, token: str | None) -> Answer:
        if not isinstance(request, dict) or not isinstance(request.get("query"), str) or not request["query"]:
            return Answer(
                400,
                {"errors": [request_error("GraphQL operations must contain a non-empty `query`.", "BAD_REQUEST")]},
                {},
            )
        answer = self._run(request, token)
        # Before parsing, the operation name is all there is to tell what was called.
        answer.operation = answer.operation or str(request.get("operationName") or "")
        return answer

    def _run(self, request: dict[str, Any], token: str | None) -> Answer:
        state = self.state
        query, variables = request["query"], request.get("variables") or {}
        if len(query) > state.max_query_length:
            return Answer(
                500,
                {
                    "errors": [
                        request_error(
                            f"Query length {len(query)} exceeds the limit of {state.max_query_length} characters",
                            "PAYLOAD_TOO_LARGE",
                            "ROOT_QUERY_LENGTH_EXCEEDED",
                        )
                    ]
                },
                {},
            )
        if variables_size(variables) > state.max_variables_bytes:
            return Answer(
                500,
                {
                    "errors": [
                        request_error(
                            f"Variables size exceeds the limit of {state.max_variables_bytes} bytes",
                            "PAYLOAD_TOO_LARGE",
                            "VARIABLES_SIZE_EXCEEDED",
                        )
                    ]
                },
                {},
            )
        prepared = self._prepare(query, request.get("operationName"))
        if prepared.errors:
            return Answer(400, {"errors": prepared.errors}, {})
        fault = self._fault(prepared.field)
        if fault is not None:
            fault.operation = prepared.field
            return fault
        user = state.storage.user_for_token(token) if token else None
        if prepared.projection is not None and isinstance(variables.get(prepared.data_variable), dict):
            answer = self._fast_register(prepared, variables[prepared.data_variable], user)
        else:
            answer = self._execute(prepared, request, variables, user)
        answer.drop = (
            prepared.field in state.faults.drop_operations and answer.status == 200 and state.faults.take_drop()
        )
        answer.operation = prepared.field
        return answer

    def _fault(self, field: str) -> Answer | None:
        faults = self.state.faults
        if not faults.counts(field):
            return None
        number = faults.next_call()
        if faults.latency_seconds:
            time.sleep(faults.latency_seconds)
        if faults.error_every_nth and number % faults.error_every_nth == 0:
            return Answer(500, {"errors": [request_error("Internal Server Error", "INTERNAL_SERVER_ERROR")]}, {})
        if faults.take_rate_limit():
            reset = int(time.time() + faults.rate_limit_reset_seconds)
            message = "You've made too many requests recently, try again later"
            error = request_error(
                message,
                "TOO_MANY_REQUESTS",
                "RATE_LIMIT_EXCEEDED",
                messageForUser=message,
                messageForUserTemplateKey="api.global.rateLimit.RATE_LIMIT_EXCEEDED",
                messageInterpolation={"resetTime": reset},
            )
            headers = {"x-rate-limit-complexity-reset": str(reset), "x-rate-limit-complexity-remaining": "0"}
            if faults.rate_limit_status == 429:
                headers["Retry-After"] = str(max(int(faults.rate_limit_reset_seconds), 0))
            return Answer(faults.rate_limit_status, {"errors": [error]}, headers)
        return None

    def _prepare(self, query: str, operation_name: str | None) -> Prepared:
        key = (query, operation_name)
        prepared = self._prepared.get(key)
        if prepared is None:
            if len(self._prepared) >= MAX_PREPARED:  # any client may send any text: stay bounded
                self._prepared.clear()
            prepared = self._prepared[key] = self._build(query, operation_name)
        return prepared

    def _build(self, query: str, operation_name: str | None) -> Prepared:
        try:
            document = parse(query)
        except GraphQLError as error:
            return Prepared(errors=[{**formatted(error), "extensions": {"code": "GRAPHQL_PARSE_FAILED"}}])
        problems = validate(self.state.schema, document)
        if problems:
            return Prepared(
                errors=[{**formatted(e), "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}} for e in problems]
            )
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        chosen = [o for o in operations if operation_name is None or (o.name and o.name.value == operation_name)]
        if len(chosen) != 1:
            return Prepared(errors=[request_error("Could not choose the operation to run", "BAD_USER_INPUT")])
        roots = chosen[0].selection_set.selections
        root = roots[0] if len(roots) == 1 and isinstance(roots[0], FieldNode) else None
        prepared = Prepared(document=document, field=root.name.value if root else "")
        if root is not None:
            prepared.alias = (root.alias or root.name).value
            prepared.location = (
                {
                    "line": root.loc.source.get_location(root.loc.start).line,
                    "column": root.loc.source.get_location(root.loc.start).column,
                }
                if root.loc
                else None
            )
            arguments = root.arguments or ()
            argument = arguments[0].value if len(arguments) == 1 else None
            if prepared.field == "registerBillingReceipts" and isinstance(argument, VariableNode):
                prepared.data_variable = argument.name.value
                prepared.projection = projection_of(root)
        return prepared

    def _fast_register(self, prepared: Prepared, data: dict[str, Any], user: Any) -> Answer:
        problem = self._register_input(data, f"${prepared.data_variable}")
        if problem:
            message = f'Variable "${prepared.data_variable}" got invalid value; {problem}'
            return Answer(400, {"errors": [request_error(message, "BAD_USER_INPUT")]}, {})
        where = {"locations": [prepared.location]} if prepared.location else {}
        try:
            if user is None:
                raise SandboxError(
                    "No or incorrect authentication credentials",
                    name="AuthenticationError",
                    extensions={"code": "UNAUTHENTICATED"},
                )
            results = register(self.state, user, data)
        except SandboxError as error:
            whole = {
                "message": error.message,
                "name": error.name,
                **where,
                "path": [prepared.alias],
                "extensions": {"code": "INTERNAL_SERVER_ERROR", **error.extensions},
            }
            return Answer(200, {"errors": [whole], "data": {prepared.alias: None}}, {})
        rendered, errors = [], []
        for index, result in enumerate(results):
            if isinstance(result, SandboxError):
                rendered.append(None)
                errors.append(
                    {
                        "message": result.message,
                        "name": result.name,
                        **where,
                        "path": [prepared.alias, index],
                        "extensions": {"code": "INTERNAL_SERVER_ERROR", **result.extensions},
                    }
                )
            else:
                rendered.append(
                    render(result, prepared.projection, FieldErrors(errors, where, [prepared.alias, index]))
                )
        body: dict[str, Any] = {"data": {prepared.alias: rendered}}
        if errors:
            body = {"errors": errors, **body}
        return Answer(200, body, {})

    def _execute(self, prepared: Prepared, request: dict[str, Any], variables: dict[str, Any], user: Any) -> Answer:
        result = execute(
            self.state.schema,
            prepared.document,
            root_value=Root(self.state, user),
            variable_values=variables,
            operation_name=request.get("operationName"),
        )
        if result.data is None and result.errors:
            # Variables that do not fit their types fail before execution (Apollo: 400).
            return Answer(
                400, {"errors": [{**formatted(e), "extensions": {"code": "BAD_USER_INPUT"}} for e in result.errors]}, {}
            )
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            body = {"errors": [formatted(error) for error in result.errors], **body}
        return Answer(200, body, {})
