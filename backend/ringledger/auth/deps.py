"""Who is calling: the account behind a bearer token, and the roles a route lets through
(401 for no valid token or account, then 403 for a role that may never call the route)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends

from ringledger.audit.service import Actor
from ringledger.auth import queries
from ringledger.auth.models import UserRole
from ringledger.auth.queries import UserRow
from ringledger.core.context import add_log_fields
from ringledger.core.deps import ClaimsDep, UnitDep
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


async def get_current_user(claims: ClaimsDep, unit: UnitDep) -> UserRow:
    return token_holder(await queries.user_by_id(unit.conn, claims.user_id), claims)


CurrentUser = Annotated[UserRow, Depends(get_current_user)]


def require_role(*roles: UserRole) -> Callable[[UserRow], Coroutine[Any, Any, UserRow]]:
    """A dependency that lets only `roles` through (403 for any other authenticated user)."""
    allowed = frozenset(roles)

    async def check(user: CurrentUser) -> UserRow:
        return require(user, allowed)

    return check


Promoter = Annotated[UserRow, Depends(require_role(UserRole.PROMOTER))]
Fighter = Annotated[UserRow, Depends(require_role(UserRole.FIGHTER))]
PromoterOrAdmin = Annotated[UserRow, Depends(require_role(UserRole.PROMOTER, UserRole.ADMIN))]


def actor_of(user: UserRow) -> Actor:
    return Actor(user_id=user.id, role=user.role.value)
