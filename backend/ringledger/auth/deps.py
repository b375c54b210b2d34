"""Who is calling: the account behind a bearer token, and the roles a route lets through
(401 for no valid token or account, then 403 for a role that may never call the route)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from ringledger.audit.service import Actor
from ringledger.auth import queries
from ringledger.auth.models import UserRole
from ringledger.auth.queries import UserRow
from ringledger.core.context import add_log_fields
from ringledger.core.db import Unit
from ringledger.core.deps import ClaimsDep, database_of
from ringledger.core.errors import Forbidden, NotAuthenticated
from ringledger.core.security import TokenClaims


def token_holder(user: UserRow | None, claims: TokenClaims) -> UserRow:
    """The account the token was issued to, if the token still speaks for it (else 401).

    Refused: a deleted or disabled account, a changed role, a token from before a password
    change (the account's token_version moved on).
    """
    if (
        user is None
        or user.role.value != claims.role
        or user.token_version != claims.version
        or user.disabled_at is not None
    ):
        raise NotAuthenticated("The access token is not valid.", code="token_invalid")
    add_log_fields(actor_id=user.id, actor_role=user.role.value)
    return user


def require(user: UserRow, roles: frozenset[UserRole]) -> UserRow:
    if user.role not in roles:
        raise Forbidden("Your role may not use this operation.")
    return user


@dataclass(frozen=True, slots=True)
class Caller:
    """The account behind the request's token, and the request's unit of work."""

    user: UserRow
    unit: Unit


def caller_in(*roles: UserRole) -> Callable[..., AsyncIterator[Caller]]:
    """A dependency that lets only `roles` through (401 without a valid token, then 403), on a
    connection that is the request's until the route returns."""
    allowed = frozenset(roles)

    async def caller(claims: ClaimsDep, request: Request) -> AsyncIterator[Caller]:
        async with database_of(request).unit() as unit:
            user = token_holder(await queries.user_by_id(unit.conn, claims.user_id), claims)
            yield Caller(require(user, allowed), unit)

    return caller


# scope="function": the connection goes back to the pool before the response is sent.
AnyCaller = Annotated[Caller, Depends(caller_in(*UserRole), scope="function")]
Promoter = Annotated[Caller, Depends(caller_in(UserRole.PROMOTER), scope="function")]
Fighter = Annotated[Caller, Depends(caller_in(UserRole.FIGHTER), scope="function")]
PromoterOrAdmin = Annotated[
    Caller, Depends(caller_in(UserRole.PROMOTER, UserRole.ADMIN), scope="function")
]


def actor_of(user: UserRow) -> Actor:
    return Actor(user_id=user.id, role=user.role.value)
