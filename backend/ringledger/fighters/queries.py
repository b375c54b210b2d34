"""The statements of fighter profiles, each beside the function that runs it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from ringledger.core.db import Connection


@dataclass(frozen=True, slots=True)
class Profile:
    user_id: uuid.UUID
    display_name: str
    xrpl_address: str


_PROFILE = "SELECT user_id, display_name, xrpl_address FROM fighter_profiles WHERE user_id = $1"
# Create or replace; an address another fighter uses violates its unique index.
_SAVE = """
INSERT INTO fighter_profiles AS p (user_id, display_name, xrpl_address) VALUES ($1, $2, $3)
ON CONFLICT (user_id) DO UPDATE SET display_name = EXCLUDED.display_name,
                                    xrpl_address = EXCLUDED.xrpl_address,
                                    updated_at = now()
RETURNING user_id, display_name, xrpl_address
"""
_ALL = """
SELECT p.user_id, p.display_name, p.xrpl_address, u.email
FROM fighter_profiles p JOIN users u ON u.id = p.user_id
ORDER BY p.display_name, p.user_id
"""
_ADDRESSES = """
SELECT p.user_id, p.xrpl_address FROM fighter_profiles p JOIN users u ON u.id = p.user_id
WHERE p.user_id = ANY($1::uuid[]) AND u.role = 'fighter'
"""


async def profile(conn: Connection, user_id: uuid.UUID) -> Profile | None:
    row = await conn.fetchrow(_PROFILE, user_id)
    return Profile(*row) if row is not None else None


async def save(
    conn: Connection, *, user_id: uuid.UUID, display_name: str, xrpl_address: str
) -> Profile:
    """Store the profile (the unique address index refuses another fighter's address)."""
    row = await conn.fetchrow(_SAVE, user_id, display_name, xrpl_address)
    assert row is not None
    return Profile(*row)


async def all_with_emails(conn: Connection) -> list[tuple[Profile, str]]:
    return [(Profile(row[0], row[1], row[2]), row[3]) for row in await conn.fetch(_ALL)]


async def fighter_addresses(conn: Connection, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The saved XRPL address of each of these users that is a fighter with a profile."""
    return {row[0]: row[1] for row in await conn.fetch(_ADDRESSES, user_ids)}
