"""/auth: register, login, me."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from ringledger.auth import service
from ringledger.auth.models import User, UserRole
from ringledger.auth.schemas import LoginRequest, RegisterRequest, TokenOut, UserOut
from ringledger.core.deps import CurrentUser, SessionDep, SettingsDep
from ringledger.core.openapi import errors

router = APIRouter(prefix="/auth", tags=["auth"])


def user_out(user: User) -> UserOut:
    return UserOut(user_id=user.id, email=user.email, role=user.role.value)


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    operation_id="register",
    responses=errors(409, 422),
)
async def register(body: RegisterRequest, request: Request, session: SessionDep) -> UserOut:
    """Create a promoter or fighter account."""
    user = await service.register(
        session,
        passwords=request.app.state.passwords,
        email=body.email,
        password=body.password,
        role=UserRole(body.role),
    )
    return user_out(user)


@router.post("/login", operation_id="login", responses=errors(401, 422, 429))
async def login(
    body: LoginRequest, request: Request, session: SessionDep, settings: SettingsDep
) -> TokenOut:
    """Exchange email and password for a bearer token."""
    user = await service.authenticate(
        session,
        passwords=request.app.state.passwords,
        email=body.email,
        password=body.password,
        client=request.client.host if request.client else "unknown",
        window=settings.RINGLEDGER_LOGIN_WINDOW,
        max_per_email=settings.RINGLEDGER_LOGIN_MAX_FAILURES_PER_EMAIL,
        max_per_client=settings.RINGLEDGER_LOGIN_MAX_FAILURES_PER_CLIENT,
    )
    tokens = request.app.state.tokens
    return TokenOut(
        access_token=tokens.issue(user_id=user.id, role=user.role.value),
        expires_in=int(tokens.lifetime.total_seconds()),
    )


@router.get("/me", operation_id="me", responses=errors(401))
async def me(user: CurrentUser) -> UserOut:
    """The account behind the bearer token."""
    return user_out(user)
