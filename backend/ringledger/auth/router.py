"""/auth: register, login, me, password."""

from __future__ import annotations

from fastapi import Request, Response, status

from ringledger.auth import service
from ringledger.auth.deps import AnyCaller
from ringledger.auth.models import UserRole
from ringledger.auth.queries import UserRow
from ringledger.auth.schemas import (
    LoginRequest,
    PasswordChangeRequest,
    RegisterRequest,
    TokenOut,
    UserOut,
)
from ringledger.auth.service import LoginLimits
from ringledger.core.client import client_address
from ringledger.core.deps import TxDep, passwords_of, settings_of, tokens_of
from ringledger.core.json_body import api_router
from ringledger.core.openapi import errors

router = api_router(prefix="/auth", tags=["auth"])


def user_out(user: UserRow) -> UserOut:
    return UserOut(user_id=user.id, email=user.email, role=user.role.value)


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    operation_id="register",
    responses=errors(409, 422, 429),
)
async def register(body: RegisterRequest, request: Request, tx: TxDep) -> UserOut:
    """Create a promoter or fighter account (a few per client address and hour)."""
    settings = settings_of(request)
    await service.count_registration(
        tx, client=client_address(request), limit=settings.RINGLEDGER_REGISTER_MAX_PER_CLIENT
    )
    user = await service.register(
        tx,
        passwords=passwords_of(request),
        email=body.email,
        password=body.password,
        role=UserRole(body.role),
    )
    return user_out(user)


@router.post("/login", operation_id="login", responses=errors(401, 422, 429))
async def login(body: LoginRequest, request: Request, tx: TxDep) -> TokenOut:
    """Exchange email and password for a bearer token."""
    user = await service.authenticate(
        tx,
        passwords=passwords_of(request),
        email=body.email,
        password=body.password,
        client=client_address(request),
        limits=LoginLimits.from_settings(settings_of(request)),
    )
    tokens = tokens_of(request)
    return TokenOut(
        access_token=tokens.issue(
            user_id=user.id, role=user.role.value, version=user.token_version
        ),
        expires_in=int(tokens.lifetime.total_seconds()),
    )


@router.get("/me", operation_id="me", responses=errors(401))
async def me(caller: AnyCaller) -> UserOut:
    """The account behind the bearer token."""
    return user_out(caller.user)


@router.post(
    "/password",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="changePassword",
    responses=errors(401, 422, 429),
)
async def change_password(
    body: PasswordChangeRequest, caller: AnyCaller, request: Request
) -> Response:
    """Change the password; every token issued before stops working (sign in again)."""
    async with caller.unit.transaction() as tx:
        await service.change_password(
            tx,
            passwords=passwords_of(request),
            user=caller.user,
            current_password=body.current_password,
            new_password=body.new_password,
            client=client_address(request),
            limits=LoginLimits.from_settings(settings_of(request)),
        )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
