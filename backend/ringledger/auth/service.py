"""Accounts, login and the failed-login throttle (state in PostgreSQL, shared by all processes)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ringledger.auth.errors import CredentialsInvalid, EmailTaken
from ringledger.auth.models import LoginFailure, User, UserRole
from ringledger.core.errors import RateLimited
from ringledger.core.security import PasswordHashing


async def register(
    session: AsyncSession, *, passwords: PasswordHashing, email: str, password: str, role: UserRole
) -> User:
    """Create an account; the unique index decides races between equal emails."""
    user = User(email=email.lower(), password_hash=await passwords.hash(password), role=role)
    try:
        async with session.begin_nested():
            session.add(user)
            await session.flush()
    except IntegrityError as error:
        raise EmailTaken("An account with this email already exists.") from error
    return user


async def authenticate(
    session: AsyncSession,
    *,
    passwords: PasswordHashing,
    email: str,
    password: str,
    client: str,
    window: timedelta,
    max_per_email: int,
    max_per_client: int,
) -> User:
    """Check credentials under the throttle; record a failure, clear this client's on success."""
    email = email.strip().lower()
    # Serialise attempts on one email: a burst cannot slip past the limit between count and insert.
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:email))"), {"email": email})
    await _refuse_if_throttled(session, LoginFailure.email == email, max_per_email, window)
    await _refuse_if_throttled(session, LoginFailure.client == client, max_per_client, window)
    user = await session.scalar(select(User).where(User.email == email))
    # Verify even for an unknown email (against a dummy hash) so both answers take as long.
    verified = await passwords.verify(user.password_hash if user else None, password)
    if user is None or not verified:
        session.add(LoginFailure(email=email, client=client, user_id=user.id if user else None))
        await session.flush()
        raise CredentialsInvalid("The email or password is not correct.")
    await session.execute(
        delete(LoginFailure).where(LoginFailure.email == email, LoginFailure.client == client)
    )
    return user


async def _refuse_if_throttled(
    session: AsyncSession, condition: object, limit: int, window: timedelta
) -> None:
    """429 once `limit` failures are inside the window; Retry-After is when the oldest leaves."""
    since = func.now() - window
    oldest_counted = await session.scalar(
        select(LoginFailure.at)
        .where(condition, LoginFailure.at > since)  # type: ignore[arg-type]
        .order_by(LoginFailure.at.desc())
        .offset(limit - 1)
        .limit(1)
    )
    if oldest_counted is None:
        return
    now: datetime = await session.scalar(select(func.now()))  # type: ignore[assignment]
    retry_after = max(1, math.ceil((oldest_counted + window - now).total_seconds()))
    raise RateLimited("Too many failed logins; try again later.", retry_after=retry_after)


async def create_admin(
    session: AsyncSession, *, passwords: PasswordHashing, email: str, password: str
) -> User:
    """The operator's way to make an admin (never reachable over HTTP)."""
    return await register(
        session, passwords=passwords, email=email, password=password, role=UserRole.ADMIN
    )
