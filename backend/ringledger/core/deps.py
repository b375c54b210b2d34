"""Request dependencies shared by every domain: settings, session, current user, roles."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from ringledger.audit.service import Actor
from ringledger.auth.models import User, UserRole
from ringledger.core.config import Settings
from ringledger.core.context import add_log_fields
from ringledger.core.database import transaction
from ringledger.core.errors import Forbidden, NotAuthenticated

_bearer = HTTPBearer(auto_error=False, description="The access token from POST /auth/login")


# Dependencies are coroutines even when they do no I/O: FastAPI runs a plain `def` in a worker
# thread, which costs more than the work itself.
async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with transaction(request.app.state.sessions) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
# scope="function": the transaction commits before the response is sent, never after.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def get_current_user(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    if credentials is None:
        raise NotAuthenticated("A bearer access token is required.")
    claims = request.app.state.tokens.verify(credentials.credentials)
    user = await session.get(User, claims.user_id)
    # A deleted or disabled account, a changed role, or a token from before a password change.
    if (
        user is None
        or user.role != claims.role
        or user.token_version != claims.version
        or user.disabled_at is not None
    ):
        raise NotAuthenticated("The access token is not valid.", code="token_invalid")
    add_log_fields(actor_id=user.id, actor_role=user.role.value)
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def require_role(*roles: UserRole) -> Callable[[User], Coroutine[Any, Any, User]]:
    """A dependency that lets only `roles` through (403 for any other authenticated user)."""
    allowed = frozenset(roles)

    async def check(user: CurrentUser) -> User:
        if user.role not in allowed:
            raise Forbidden("Your role may not use this operation.")
        return user

    return check


promoter_only = require_role(UserRole.PROMOTER)
fighter_only = require_role(UserRole.FIGHTER)
admin_only = require_role(UserRole.ADMIN)
promoter_or_admin = require_role(UserRole.PROMOTER, UserRole.ADMIN)

Promoter = Annotated[User, Depends(promoter_only)]
Fighter = Annotated[User, Depends(fighter_only)]
Admin = Annotated[User, Depends(admin_only)]
PromoterOrAdmin = Annotated[User, Depends(promoter_or_admin)]


def actor_of(user: User) -> Actor:
    return Actor(user_id=user.id, role=user.role.value)
