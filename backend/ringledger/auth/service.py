"""Accounts, login, password changes, and the throttles (state in PostgreSQL, shared by all
processes)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from ringledger.audit import service as audit
from ringledger.audit.service import Actor
from ringledger.auth.errors import CredentialsInvalid, EmailTaken
from ringledger.auth.models import LoginFailure, Registration, User, UserRole
from ringledger.auth.schemas import normalize_email
from ringledger.core.config import Settings
from ringledger.core.errors import RateLimited
from ringledger.core.security import PasswordHashing
from ringledger.core.timeutil import utcnow

REGISTRATION_WINDOW = timedelta(hours=1)
WRONG_CREDENTIALS = "The email or password is not correct."


@dataclass(frozen=True)
class LoginLimits:
    """The failed-login throttle: this many failures per email (or client) inside the window."""

    window: timedelta
    per_email: int
    per_client: int

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginLimits:
        return cls(
            window=settings.RINGLEDGER_LOGIN_WINDOW,
            per_email=settings.RINGLEDGER_LOGIN_MAX_FAILURES_PER_EMAIL,
            per_client=settings.RINGLEDGER_LOGIN_MAX_FAILURES_PER_CLIENT,
        )


async def register(
    session: AsyncSession, *, passwords: PasswordHashing, email: str, password: str, role: UserRole
) -> User:
    """Create an account; the unique index decides races between equal emails."""
    user = User(
        email=normalize_email(email), password_hash=await passwords.hash(password), role=role
    )
    try:
        async with session.begin_nested():
            session.add(user)
            await session.flush()
    except IntegrityError as error:
        raise EmailTaken("An account with this email already exists.") from error
    return user


async def count_registration(session: AsyncSession, *, client: str, limit: int) -> None:
    """Count one registration from `client`; 429 once `limit` fell inside the last hour.

    The row is kept even when the registration then fails (an email already taken): every
    attempt that reaches the password hash costs the same.
    """
    await _serialize(session, f"register:{client}")
    await _refuse_if_throttled(
        session,
        Registration.at,
        Registration.client == client,
        limit,
        REGISTRATION_WINDOW,
        "Too many registrations from this address; try again later.",
    )
    session.add(Registration(client=client))
    await session.flush()


async def authenticate(
    session: AsyncSession,
    *,
    passwords: PasswordHashing,
    email: str,
    password: str,
    client: str,
    limits: LoginLimits,
) -> User:
    """Check credentials under the throttle; record a failure, clear this client's on success.

    A disabled account answers exactly as a wrong password does.
    """
    email = normalize_email(email)
    await _refuse_if_login_throttled(session, email=email, client=client, limits=limits)
    user = await session.scalar(select(User).where(User.email == email))
    # Verify even for an unknown email (against a dummy hash) so both answers take as long.
    verified = await passwords.verify(user.password_hash if user else None, password)
    if user is None or not verified or user.disabled_at is not None:
        raise await _login_failed(session, email=email, client=client, user=user)
    await session.execute(
        delete(LoginFailure).where(LoginFailure.email == email, LoginFailure.client == client)
    )
    return user


async def change_password(
    session: AsyncSession,
    *,
    passwords: PasswordHashing,
    user: User,
    current_password: str,
    new_password: str,
    client: str,
    limits: LoginLimits,
) -> None:
    """Replace the password and revoke every token issued before (a wrong current password
    counts as a failed login)."""
    await _refuse_if_login_throttled(session, email=user.email, client=client, limits=limits)
    if not await passwords.verify(user.password_hash, current_password):
        raise await _login_failed(session, email=user.email, client=client, user=user)
    user.password_hash = await passwords.hash(new_password)
    user.token_version += 1
    await audit.record(
        session,
        actor=Actor(user_id=user.id, role=user.role.value),
        action="user.change_password",
        entity_type="user",
        entity_id=user.id,
        outcome="applied",
        details={"tokens_revoked_before_version": user.token_version},
    )


async def set_disabled(session: AsyncSession, *, email: str, disabled: bool) -> User | None:
    """The operator's switch: a disabled account's tokens and logins are all refused.

    Disabling also revokes every token issued so far, so enabling the account again lets the
    user sign in anew without bringing old tokens back. None when no account has this email.
    """
    user = await session.scalar(
        select(User).where(User.email == normalize_email(email)).with_for_update()
    )
    if user is None:
        return None
    if disabled and user.disabled_at is None:
        user.disabled_at = utcnow()
        user.token_version += 1
    elif not disabled:
        user.disabled_at = None
    await audit.record(
        session,
        actor=Actor(user_id=None, role="operator"),
        action="user.disable" if disabled else "user.enable",
        entity_type="user",
        entity_id=user.id,
        outcome="applied",
        details={"email": user.email},
    )
    await session.flush()
    return user


async def purge_throttles(session: AsyncSession, *, login_window: timedelta) -> tuple[int, int]:
    """Delete failed logins and registrations that no throttle counts any more."""
    failures = await session.execute(
        delete(LoginFailure).where(LoginFailure.at < func.now() - login_window)
    )
    registrations = await session.execute(
        delete(Registration).where(Registration.at < func.now() - REGISTRATION_WINDOW)
    )
    return int(failures.rowcount or 0), int(registrations.rowcount or 0)  # type: ignore[attr-defined]


async def create_admin(
    session: AsyncSession, *, passwords: PasswordHashing, email: str, password: str
) -> User:
    """The operator's way to make an admin (never reachable over HTTP)."""
    return await register(
        session, passwords=passwords, email=email, password=password, role=UserRole.ADMIN
    )


async def _serialize(session: AsyncSession, key: str) -> None:
    """Attempts on one key run one at a time: a burst cannot slip between count and insert."""
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})


async def _refuse_if_login_throttled(
    session: AsyncSession, *, email: str, client: str, limits: LoginLimits
) -> None:
    await _serialize(session, email)
    message = "Too many failed logins; try again later."
    for condition, limit in (
        (LoginFailure.email == email, limits.per_email),
        (LoginFailure.client == client, limits.per_client),
    ):
        await _refuse_if_throttled(
            session, LoginFailure.at, condition, limit, limits.window, message
        )


async def _login_failed(
    session: AsyncSession, *, email: str, client: str, user: User | None
) -> CredentialsInvalid:
    session.add(LoginFailure(email=email, client=client, user_id=user.id if user else None))
    await session.flush()
    return CredentialsInvalid(WRONG_CREDENTIALS)


async def _refuse_if_throttled(
    session: AsyncSession,
    at: InstrumentedAttribute[datetime],
    condition: ColumnElement[bool],
    limit: int,
    window: timedelta,
    message: str,
) -> None:
    """429 once `limit` events are inside the window; Retry-After is when the oldest leaves."""
    since = func.now() - window
    oldest_counted = await session.scalar(
        select(at).where(condition, at > since).order_by(at.desc()).offset(limit - 1).limit(1)
    )
    if oldest_counted is None:
        return
    now: datetime = await session.scalar(select(func.now()))  # type: ignore[assignment]
    retry_after = max(1, math.ceil((oldest_counted + window - now).total_seconds()))
    raise RateLimited(message, retry_after=retry_after)
