"""What a request handler gets from the application: the process-wide objects, the caller's
token claims, and a unit of work on the database.

FastAPI's dependency injection is kept for what belongs to one request and must be checked or
released in order — the bearer token (401 before any validation), the database connection
(released before the response is sent) — and a route resolves one such dependency, a
`BearerGate`: each dependency costs FastAPI tens of µs per request to resolve
(docs/performance.md). The objects that live as long as the process (settings, the database
pool, the token issuer, the password hasher) are read from the application's state by the
typed slots below (`ringledger.core.state`) instead of being injected one dependency each.

Dependencies are coroutines even when they do no I/O: FastAPI runs a plain `def` in a worker
thread, which costs more than the work itself. Who the caller is (the account behind a token,
its role) is the auth domain's business: `ringledger.auth.deps`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.openapi.models import HTTPBearer as HTTPBearerScheme
from fastapi.security.base import SecurityBase
from fastapi.security.utils import get_authorization_scheme_param

from ringledger.core.config import Settings
from ringledger.core.db import Database, Tx
from ringledger.core.errors import NotAuthenticated
from ringledger.core.security import PasswordHashing, TokenClaims, TokenIssuer
from ringledger.core.state import Slot

SETTINGS: Slot[Settings] = Slot("settings")
DATABASE: Slot[Database] = Slot("database")
TOKENS: Slot[TokenIssuer] = Slot("tokens")
PASSWORDS: Slot[PasswordHashing] = Slot("passwords")
MIGRATION_HEAD: Slot[str] = Slot("migration_head")
"""The schema revision this code runs on (what /readyz compares the database with)."""
LEDGER_READINESS: Slot[Callable[[], Awaitable[object]]] = Slot("ledger_readiness")
"""Asks the ledger whether it can be used (/readyz); the ledger package provides it."""


def settings_of(request: Request) -> Settings:
    return SETTINGS.of(request)


def database_of(request: Request) -> Database:
    return DATABASE.of(request)


def tokens_of(request: Request) -> TokenIssuer:
    return TOKENS.of(request)


def passwords_of(request: Request) -> PasswordHashing:
    return PASSWORDS.of(request)


def bearer_claims(request: Request) -> TokenClaims:
    """The verified claims of the request's bearer token; 401 without a valid one."""
    scheme, token = get_authorization_scheme_param(request.headers.get("authorization"))
    if scheme.lower() != "bearer" or not token:
        raise NotAuthenticated("A bearer access token is required.")
    return tokens_of(request).verify(token)


class BearerGate(SecurityBase):
    """The base of the dependencies that let a request in on its bearer token (and hold its
    connection). Being a FastAPI `SecurityBase`, each names the HTTP bearer security scheme of
    the routes that use it in the OpenAPI document; its `__call__` (each subclass's own) checks
    the token with `bearer_claims`."""

    def __init__(self) -> None:
        self.model = HTTPBearerScheme(description="The access token from POST /auth/login")
        self.scheme_name = "HTTPBearer"


async def get_tx(request: Request) -> AsyncIterator[Tx]:
    """A connection and one transaction on it, committed before the response is sent."""
    async with database_of(request).unit() as unit, unit.transaction() as tx:
        yield tx


# scope="function": the connection is released (and the transaction committed) before the
# response is sent, never after.
TxDep = Annotated[Tx, Depends(get_tx, scope="function")]
