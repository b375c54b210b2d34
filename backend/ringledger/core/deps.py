"""Request dependencies every domain shares: settings, the unit of work, tokens, passwords.

Dependencies are coroutines even when they do no I/O: FastAPI runs a plain `def` in a worker
thread, which costs more than the work itself. Who the caller is (the account behind a token,
its role) is the auth domain's business: `ringledger.auth.deps`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ringledger.core.config import Settings
from ringledger.core.db import Database, Tx, Unit
from ringledger.core.errors import NotAuthenticated
from ringledger.core.security import PasswordHashing, TokenClaims, TokenIssuer

_bearer = HTTPBearer(auto_error=False, description="The access token from POST /auth/login")


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def get_unit(request: Request) -> AsyncIterator[Unit]:
    """The request's database connection (reads run on it without a transaction)."""
    database: Database = request.app.state.database
    async with database.unit() as unit:
        yield unit


async def get_tx(unit: Annotated[Unit, Depends(get_unit, scope="function")]) -> AsyncIterator[Tx]:
    """The request's transaction, on the request's connection: begun when first asked for
    (after the access checks that only read), committed before the response is sent."""
    async with unit.transaction() as tx:
        yield tx


async def get_tokens(request: Request) -> TokenIssuer:
    tokens: TokenIssuer = request.app.state.tokens
    return tokens


async def get_passwords(request: Request) -> PasswordHashing:
    passwords: PasswordHashing = request.app.state.passwords
    return passwords


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
# scope="function": the transaction commits before the response is sent, never after.
UnitDep = Annotated[Unit, Depends(get_unit, scope="function")]
TxDep = Annotated[Tx, Depends(get_tx, scope="function")]
TokensDep = Annotated[TokenIssuer, Depends(get_tokens)]
PasswordsDep = Annotated[PasswordHashing, Depends(get_passwords)]


async def get_claims(
    tokens: TokensDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> TokenClaims:
    """The verified claims of the bearer token (401 without a valid one); no database yet."""
    if credentials is None:
        raise NotAuthenticated("A bearer access token is required.")
    return tokens.verify(credentials.credentials)


ClaimsDep = Annotated[TokenClaims, Depends(get_claims)]
