"""Who is calling: the account behind a bearer token, and the roles a route lets through
(401 for no valid token or account, then 403 for a role that may never call the route).

No `from __future__ import annotations` here: FastAPI reads the annotations of a gate's
`__call__` at run time, and an instance has no module namespace to resolve strings in.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from ringledger.audit.service import Actor
from ringledger.auth import queries
from ringledger.auth.models import UserRole
from ringledger.auth.queries import UserRow
from ringledger.core.context import add_log_fields
from ringledger.core.db import Unit
from ringledger.core.deps import BearerGate, bearer_claims, database_of
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


class CallerIn(BearerGate):
    """Lets only `roles` through (401 without a valid token, then 403), on a connection that is
    the request's until the route returns."""

    def __init__(self, *roles: UserRole) -> None:
        super().__init__()
        self.roles = frozenset(roles)

    async def __call__(self, request: Request) -> AsyncIterator[Caller]:
        claims = bearer_claims(request)
        async with database_of(request).unit() as unit:
            user = token_holder(await queries.user_by_id(unit.conn, claims.user_id), claims)
            yield Caller(require(user, self.roles), unit)


# scope="function": the connection goes back to the pool before the response is sent.
AnyCaller = Annotated[Caller, Depends(CallerIn(*UserRole), scope="function")]
Promoter = Annotated[Caller, Depends(CallerIn(UserRole.PROMOTER), scope="function")]
Fighter = Annotated[Caller, Depends(CallerIn(UserRole.FIGHTER), scope="function")]
PromoterOrAdmin = Annotated[
    Caller, Depends(CallerIn(UserRole.PROMOTER, UserRole.ADMIN), scope="function")
]


def actor_of(user: UserRow) -> Actor:
    return Actor(user_id=user.id, role=user.role.value)
