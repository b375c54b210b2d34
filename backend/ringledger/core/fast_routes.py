"""A route's well-formed requests, served without FastAPI's general dependency solver.

FastAPI solves each request's dependencies the general way: a dependency cache, exit stacks, the
four parameter sources of every dependant, overrides — about a fifth of what a request of ours
costs in the API process, although every route of the service has the same simple shape: path
(and query) parameters, at most one JSON body, one access gate that is an async generator taking
the request and path parameters, and an endpoint that returns a `Response` (which FastAPI sends
as it is, whatever `response_model` says for the OpenAPI document).

For such a route, `FastPlan` works out once, at start-up, which parameter goes where. A request
whose parameters and body all validate is then served directly: the gate is entered (it answers
401, 403 or 404 by raising, exactly as under FastAPI), the endpoint runs inside it, and the gate
is left before the response is sent — what FastAPI does with `Depends(scope="function")`. Any
other request (a parameter or body that does not validate, a body that is not
`application/json`) goes to FastAPI's own handler untouched, so every refusal, its order and its
body stay FastAPI's: validation has no side effect, and the gate only reads.

A route of any other shape (a dependency with dependencies of its own, a response model to
serialize, header or cookie parameters, a synchronous function, …) has no plan and is always
FastAPI's.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import request_params_to_args
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

_JSON = "application/json"


@dataclass(frozen=True, slots=True)
class _Gate:
    """The route's one dependency: an async generator (or coroutine) taking path values and
    the request."""

    name: str
    call: Callable[..., Any]
    path: tuple[Any, ...]  # its path parameters (FastAPI ModelFields)
    request_name: str | None
    # A generator gate as a context manager, made once (asynccontextmanager copies the
    # function's metadata every time it wraps one); None for a coroutine.
    enter: Callable[..., AbstractAsyncContextManager[Any]] | None


@dataclass(frozen=True, slots=True)
class FastPlan:
    """How to serve one route's well-formed requests (see the module's docstring)."""

    endpoint: Callable[..., Any]
    gate: _Gate | None
    path: tuple[Any, ...]
    query: tuple[Any, ...]
    body: Any  # the body's ModelField, or None
    body_name: str | None
    request_name: str | None

    @classmethod
    def of(cls, route: APIRoute) -> FastPlan | None:
        """The plan of `route`, or None when it is not of the simple shape."""
        dependant = route.dependant
        if not _plain(dependant):
            return None
        if len(dependant.dependencies) > 1 or len(dependant.body_params) > 1:
            return None
        if not inspect.iscoroutinefunction(dependant.call) or not _returns_response(dependant.call):
            return None
        gate = None
        if dependant.dependencies:
            gate = _gate_of(dependant.dependencies[0])
            if gate is None:
                return None
        body = dependant.body_params[0] if dependant.body_params else None
        if body is not None and route.body_field is not body:
            return None  # an embedded body: FastAPI's
        return cls(
            endpoint=dependant.call,
            gate=gate,
            path=tuple(dependant.path_params),
            query=tuple(dependant.query_params),
            body=body,
            body_name=body.name if body is not None else None,
            request_name=dependant.request_param_name,
        )

    async def serve(self, request: Request) -> Response | None:
        """The response to a well-formed request; None for FastAPI to answer it."""
        values = await self._validated(request)
        if values is None:
            return None
        if self.gate is None:
            response: Response = await self.endpoint(**values)
            return response
        gate = self.gate
        gate_values = _path_values(gate.path, request.path_params)
        if gate_values is None:
            return None
        if gate.request_name is not None:
            gate_values[gate.request_name] = request
        if gate.enter is None:
            values[gate.name] = await gate.call(**gate_values)
            response = await self.endpoint(**values)
            return response
        async with gate.enter(**gate_values) as access:
            values[gate.name] = access
            response = await self.endpoint(**values)
        return response

    async def _validated(self, request: Request) -> dict[str, Any] | None:
        values = _path_values(self.path, request.path_params)
        if values is None:
            return None
        if self.query:
            found, errors = request_params_to_args(list(self.query), request.query_params)
            if errors:
                return None
            values.update(found)
        if self.body is not None:
            if not _is_json(request.headers.get("content-type")):
                return None
            raw = await request.body()
            if not raw:
                return None
            try:
                document = await request.json()
            except ValueError:
                return None
            model, errors = self.body.validate(document, values, loc=("body",))
            if errors:
                return None
            assert self.body_name is not None
            values[self.body_name] = model
        if self.request_name is not None:
            values[self.request_name] = request
        return values


def _plain(dependant: Dependant) -> bool:
    """No parameter source or special parameter the plan does not handle."""
    return not (
        dependant.header_params
        or dependant.cookie_params
        or dependant.websocket_param_name
        or dependant.http_connection_param_name
        or dependant.response_param_name
        or dependant.background_tasks_param_name
        or dependant.security_scopes_param_name
    )


def _gate_of(dependant: Dependant) -> _Gate | None:
    if not _plain(dependant) or dependant.dependencies or dependant.query_params:
        return None
    if dependant.body_params or dependant.name is None or dependant.call is None:
        return None
    call = dependant.call
    method = call if inspect.isfunction(call) or inspect.ismethod(call) else call.__call__  # type: ignore[operator]
    generator = inspect.isasyncgenfunction(method)
    if not generator and not inspect.iscoroutinefunction(method):
        return None
    return _Gate(
        name=dependant.name,
        call=call,
        path=tuple(dependant.path_params),
        request_name=dependant.request_param_name,
        enter=asynccontextmanager(call) if generator else None,
    )


def _returns_response(call: Callable[..., Any]) -> bool:
    try:
        returned = typing.get_type_hints(call).get("return")
    except (NameError, TypeError):
        return False
    return isinstance(returned, type) and issubclass(returned, Response)


def _path_values(fields: tuple[Any, ...], given: Mapping[str, Any]) -> dict[str, Any] | None:
    values: dict[str, Any] = {}
    for field in fields:
        if field.alias not in given:
            return None
        value, errors = field.validate(given[field.alias], values, loc=("path", field.alias))
        if errors:
            return None
        values[field.name] = value
    return values


def _is_json(content_type: str | None) -> bool:
    if content_type is None:
        return False
    return content_type.split(";", 1)[0].strip().lower() == _JSON
