"""The statements of accounts and throttles, each beside the typed function that runs it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from ringledger.auth.models import UserRole
from ringledger.core.db import Connection, affected


@dataclass(slots=True)
class UserRow:
    id: uuid.UUID
    email: str
    password_hash: str
    role: UserRole
    token_version: int
    disabled_at: datetime | None


_USER = "id, email, password_hash, role, token_version, disabled_at"


def user_of(row: asyncpg.Record) -> UserRow:
    return UserRow(row[0], row[1], row[2], UserRole(row[3]), row[4], row[5])


_USER_BY_ID = f"SELECT {_USER} FROM users WHERE id = $1"
_USER_BY_ID_LOCKED = f"SELECT {_USER} FROM users WHERE id = $1 FOR UPDATE"
_USER_BY_EMAIL = f"SELECT {_USER} FROM users WHERE email = $1"
_USER_BY_EMAIL_LOCKED = f"SELECT {_USER} FROM users WHERE email = $1 FOR UPDATE"


async def user_by_id(conn: Connection, user_id: uuid.UUID, *, lock: bool = False) -> UserRow | None:
    row = await conn.fetchrow(_USER_BY_ID_LOCKED if lock else _USER_BY_ID, user_id)
    return user_of(row) if row is not None else None


async def user_by_email(conn: Connection, email: str, *, lock: bool = False) -> UserRow | None:
    row = await conn.fetchrow(_USER_BY_EMAIL_LOCKED if lock else _USER_BY_EMAIL, email)
    return user_of(row) if row is not None else None


_INSERT_USER = f"""
INSERT INTO users (id, email, password_hash, role) VALUES ($1, $2, $3, $4)
ON CONFLICT (email) DO NOTHING RETURNING {_USER}
"""


async def insert_user(
    conn: Connection, *, email: str, password_hash: str, role: UserRole
) -> UserRow | None:
    """The new account, or None when the email is taken (the unique index decides races)."""
    row = await conn.fetchrow(_INSERT_USER, uuid.uuid4(), email, password_hash, role.value)
    return user_of(row) if row is not None else None


_SAVE_CREDENTIALS = """
UPDATE users SET password_hash = $2, token_version = $3, disabled_at = $4, updated_at = now()
WHERE id = $1
"""


async def save_credentials(conn: Connection, user: UserRow) -> None:
    """Store the account's password hash, token version and disabled mark as they are now."""
    await conn.execute(
        _SAVE_CREDENTIALS, user.id, user.password_hash, user.token_version, user.disabled_at
    )


# The time the `limit`-th newest event inside the window happened, if there are that many:
# the throttle refuses until it leaves the window.
_NTH_LOGIN_FAILURE_BY_EMAIL = """
SELECT at FROM login_failures WHERE email = $1 AND at > now() - $2::interval
ORDER BY at DESC OFFSET $3 LIMIT 1
"""
_NTH_LOGIN_FAILURE_BY_CLIENT = """
SELECT at FROM login_failures WHERE client = $1 AND at > now() - $2::interval
ORDER BY at DESC OFFSET $3 LIMIT 1
"""
_NTH_REGISTRATION_BY_CLIENT = """
SELECT at FROM registrations WHERE client = $1 AND at > now() - $2::interval
ORDER BY at DESC OFFSET $3 LIMIT 1
"""
_NOW = "SELECT now()"


async def nth_login_failure(
    conn: Connection,
    *,
    email: str | None = None,
    client: str | None = None,
    window: timedelta,
    limit: int,
) -> datetime | None:
    query, value = (
        (_NTH_LOGIN_FAILURE_BY_EMAIL, email)
        if email is not None
        else (_NTH_LOGIN_FAILURE_BY_CLIENT, client)
    )
    at: datetime | None = await conn.fetchval(query, value, window, limit - 1)
    return at


async def nth_registration(
    conn: Connection, *, client: str, window: timedelta, limit: int
) -> datetime | None:
    at: datetime | None = await conn.fetchval(
        _NTH_REGISTRATION_BY_CLIENT, client, window, limit - 1
    )
    return at


async def database_now(conn: Connection) -> datetime:
    now: datetime = await conn.fetchval(_NOW)
    return now


_INSERT_LOGIN_FAILURE = "INSERT INTO login_failures (email, client, user_id) VALUES ($1, $2, $3)"
_CLEAR_LOGIN_FAILURES = "DELETE FROM login_failures WHERE email = $1 AND client = $2"
_INSERT_REGISTRATION = "INSERT INTO registrations (client) VALUES ($1)"


async def insert_login_failure(
    conn: Connection, *, email: str, client: str, user_id: uuid.UUID | None
) -> None:
    await conn.execute(_INSERT_LOGIN_FAILURE, email, client, user_id)


async def clear_login_failures(conn: Connection, *, email: str, client: str) -> None:
    await conn.execute(_CLEAR_LOGIN_FAILURES, email, client)


async def insert_registration(conn: Connection, *, client: str) -> None:
    await conn.execute(_INSERT_REGISTRATION, client)


_PURGE_LOGIN_FAILURES = "DELETE FROM login_failures WHERE at < now() - $1::interval"
_PURGE_REGISTRATIONS = "DELETE FROM registrations WHERE at < now() - $1::interval"


async def purge_login_failures(conn: Connection, *, older_than: timedelta) -> int:
    return affected(await conn.execute(_PURGE_LOGIN_FAILURES, older_than))


async def purge_registrations(conn: Connection, *, older_than: timedelta) -> int:
    return affected(await conn.execute(_PURGE_REGISTRATIONS, older_than))


_ADVISORY_LOCK = "SELECT pg_advisory_xact_lock(hashtext($1))"


async def serialize(conn: Connection, key: str) -> None:
    """Until the transaction ends, requests on `key` run one at a time."""
    await conn.execute(_ADVISORY_LOCK, key)
