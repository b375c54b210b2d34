"""What a request handler gets from the application: the process-wide objects, the caller's
token claims, and a unit of work on the database.

FastAPI's dependency injection is kept for what belongs to one request and must be checked or
released in order — the bearer token (401 before any validation), the database connection
(released before the response is sent). Each dependency costs FastAPI about 45 µs per request
to resolve (docs/performance.md), so the objects that live as long as the process (settings,
the database pool, the token issuer, the password hasher) are read from the application's
state by the typed accessors below instead of being injected one dependency each.

Dependencies are coroutines even when they do no I/O: FastAPI runs a plain `def` in a worker
thread, which costs more than the work itself. Who the caller is (the account behind a token,
its role) is the auth domain's business: `ringledger.auth.deps`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPBearer

from ringledger.core.config import Settings
from ringledger.core.db import Database, Tx, Unit
from ringledger.core.errors import NotAuthenticated
from ringledger.core.security import PasswordHashing, TokenClaims, TokenIssuer


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def database_of(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def tokens_of(request: Request) -> TokenIssuer:
    tokens: TokenIssuer = request.app.state.tokens
    return tokens


def passwords_of(request: Request) -> PasswordHashing:
    passwords: PasswordHashing = request.app.state.passwords
    return passwords


class BearerClaims(HTTPBearer):
    """The verified claims of the request's bearer token, or 401. Being an `HTTPBearer`, it
    also names the security scheme of every route that uses it in the OpenAPI document."""

    async def __call__(self, request: Request) -> TokenClaims:  # type: ignore[override]
        credentials = await super().__call__(request)
        if credentials is None:
            raise NotAuthenticated("A bearer access token is required.")
        return tokens_of(request).verify(credentials.credentials)


bearer_claims = BearerClaims(
    auto_error=False,
    scheme_name="HTTPBearer",
    description="The access token from POST /auth/login",
)
ClaimsDep = Annotated[TokenClaims, Depends(bearer_claims)]


async def get_unit(request: Request) -> AsyncIterator[Unit]:
    """The request's database connection (reads run on it without a transaction)."""
    async with database_of(request).unit() as unit:
        yield unit


async def get_tx(request: Request) -> AsyncIterator[Tx]:
    """A connection and one transaction on it, committed before the response is sent."""
    async with database_of(request).unit() as unit, unit.transaction() as tx:
        yield tx


# scope="function": the connection is released (and the transaction committed) before the
# response is sent, never after.
UnitDep = Annotated[Unit, Depends(get_unit, scope="function")]
TxDep = Annotated[Tx, Depends(get_tx, scope="function")]
