"""Accounts, login, password changes, and the throttles (state in PostgreSQL, shared by all
processes)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from ringledger.audit import service as audit
from ringledger.audit.service import Actor
from ringledger.auth import queries
from ringledger.auth.errors import CredentialsInvalid, EmailTaken
from ringledger.auth.models import UserRole
from ringledger.auth.queries import UserRow
from ringledger.auth.schemas import canonical_email
from ringledger.core.config import Settings
from ringledger.core.db import Tx
from ringledger.core.errors import NotAuthenticated, RateLimited
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
    tx: Tx, *, passwords: PasswordHashing, email: str, password: str, role: UserRole
) -> UserRow:
    """Create an account; the unique index decides races between equal emails."""
    user = await queries.insert_user(
        tx.conn,
        email=canonical_email(email),
        password_hash=await passwords.hash(password),
        role=role,
    )
    if user is None:
        raise EmailTaken("An account with this email already exists.")
    return user


async def count_registration(tx: Tx, *, client: str, limit: int) -> None:
    """Count one registration from `client`; 429 once `limit` fell inside the last hour.

    The row is kept even when the registration then fails (an email already taken): every
    attempt that reaches the password hash costs the same.
    """
    await queries.serialize(tx.conn, f"register:{client}")
    nth = await queries.nth_registration(
        tx.conn, client=client, window=REGISTRATION_WINDOW, limit=limit
    )
    await _refuse_if_counted(
        tx, nth, REGISTRATION_WINDOW, "Too many registrations from this address; try again later."
    )
    await queries.insert_registration(tx.conn, client=client)


async def authenticate(
    tx: Tx,
    *,
    passwords: PasswordHashing,
    email: str,
    password: str,
    client: str,
    limits: LoginLimits,
) -> UserRow:
    """Check credentials under the throttle; record a failure, clear this client's on success.

    A disabled account answers exactly as a wrong password does.
    """
    email = canonical_email(email)
    await _refuse_if_login_throttled(tx, email=email, client=client, limits=limits)
    user = await queries.user_by_email(tx.conn, email)
    # Verify even for an unknown email (against a dummy hash) so both answers take as long.
    verified = await passwords.verify(user.password_hash if user else None, password)
    if user is None or not verified or user.disabled_at is not None:
        raise await _login_failed(tx, email=email, client=client, user=user)
    await queries.clear_login_failures(tx.conn, email=email, client=client)
    return user


async def change_password(
    tx: Tx,
    *,
    passwords: PasswordHashing,
    user: UserRow,
    current_password: str,
    new_password: str,
    client: str,
    limits: LoginLimits,
) -> None:
    """Replace the password and revoke every token issued before (a wrong current password
    counts as a failed login).

    The account row is locked and read again: of two changes sent at once, the second finds
    the token it came with already revoked (401) instead of overwriting the first.
    """
    await _refuse_if_login_throttled(tx, email=user.email, client=client, limits=limits)
    locked = await queries.user_by_id(tx.conn, user.id, lock=True)
    if (
        locked is None
        or locked.token_version != user.token_version
        or locked.disabled_at is not None
    ):
        raise NotAuthenticated("The access token is not valid.", code="token_invalid")
    if not await passwords.verify(locked.password_hash, current_password):
        await queries.insert_login_failure(
            tx.conn, email=locked.email, client=client, user_id=locked.id
        )
        raise CredentialsInvalid("The current password is not correct.")
    locked.password_hash = await passwords.hash(new_password)
    locked.token_version += 1
    await queries.save_credentials(tx.conn, locked)
    await queries.clear_login_failures(tx.conn, email=locked.email, client=client)
    audit.record(
        tx,
        actor=Actor(user_id=locked.id, role=locked.role.value),
        action="user.change_password",
        entity_type="user",
        entity_id=locked.id,
        outcome="applied",
        details={"tokens_revoked_before_version": locked.token_version},
    )


async def set_disabled(tx: Tx, *, email: str, disabled: bool) -> UserRow | None:
    """The operator's switch: a disabled account's tokens and logins are all refused.

    Disabling also revokes every token issued so far, so enabling the account again lets the
    user sign in anew without bringing old tokens back. None when no account has this email.
    """
    user = await queries.user_by_email(tx.conn, canonical_email(email), lock=True)
    if user is None:
        return None
    if disabled and user.disabled_at is None:
        user.disabled_at = utcnow()
        user.token_version += 1
    elif not disabled:
        user.disabled_at = None
    await queries.save_credentials(tx.conn, user)
    audit.record(
        tx,
        actor=Actor(user_id=None, role="operator"),
        action="user.disable" if disabled else "user.enable",
        entity_type="user",
        entity_id=user.id,
        outcome="applied",
        details={"email": user.email},
    )
    return user


async def purge_throttles(tx: Tx, *, login_window: timedelta) -> tuple[int, int]:
    """Delete failed logins and registrations that no throttle counts any more."""
    failures = await queries.purge_login_failures(tx.conn, older_than=login_window)
    registrations = await queries.purge_registrations(tx.conn, older_than=REGISTRATION_WINDOW)
    return failures, registrations


async def create_admin(tx: Tx, *, passwords: PasswordHashing, email: str, password: str) -> UserRow:
    """The operator's way to make an admin (never reachable over HTTP)."""
    return await register(
        tx, passwords=passwords, email=email, password=password, role=UserRole.ADMIN
    )


async def _refuse_if_login_throttled(
    tx: Tx, *, email: str, client: str, limits: LoginLimits
) -> None:
    # Attempts on one email run one at a time: a burst cannot slip between count and insert.
    await queries.serialize(tx.conn, email)
    message = "Too many failed logins; try again later."
    by_email = await queries.nth_login_failure(
        tx.conn, email=email, window=limits.window, limit=limits.per_email
    )
    await _refuse_if_counted(tx, by_email, limits.window, message)
    by_client = await queries.nth_login_failure(
        tx.conn, client=client, window=limits.window, limit=limits.per_client
    )
    await _refuse_if_counted(tx, by_client, limits.window, message)


async def _login_failed(
    tx: Tx, *, email: str, client: str, user: UserRow | None
) -> CredentialsInvalid:
    await queries.insert_login_failure(
        tx.conn, email=email, client=client, user_id=user.id if user else None
    )
    return CredentialsInvalid(WRONG_CREDENTIALS)


async def _refuse_if_counted(
    tx: Tx, oldest_counted: datetime | None, window: timedelta, message: str
) -> None:
    """429 when the limit is reached; Retry-After is when the oldest counted event leaves."""
    if oldest_counted is None:
        return
    now = await queries.database_now(tx.conn)
    retry_after = max(1, math.ceil((oldest_counted + window - now).total_seconds()))
    raise RateLimited(message, retry_after=retry_after)
