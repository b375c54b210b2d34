"""Fighter profiles: the XRPL address a fighter is paid to."""

from __future__ import annotations

import uuid

import asyncpg

from ringledger.core.db import Connection, Tx
from ringledger.core.errors import Conflict, NotFound
from ringledger.fighters import queries
from ringledger.fighters.queries import Profile


class AddressTaken(Conflict):
    code = "xrpl_address_taken"


class ProfileNotFound(NotFound):
    code = "profile_not_found"


async def save_profile(
    tx: Tx, *, user_id: uuid.UUID, display_name: str, xrpl_address: str
) -> Profile:
    """Create or replace the fighter's profile; an address belongs to one fighter only."""
    owner = await queries.address_owner(tx.conn, xrpl_address)
    if owner is not None and owner != user_id:
        raise AddressTaken("Another fighter already uses this XRPL address.")
    try:
        async with tx.savepoint():  # a racing fighter's insert is a 409, not a failed unit
            return await queries.save(
                tx.conn, user_id=user_id, display_name=display_name, xrpl_address=xrpl_address
            )
    except asyncpg.UniqueViolationError as error:
        raise AddressTaken("Another fighter already uses this XRPL address.") from error


async def get_profile(conn: Connection, *, user_id: uuid.UUID) -> Profile:
    profile = await queries.profile(conn, user_id)
    if profile is None:
        raise ProfileNotFound("You have not saved a fighter profile yet.")
    return profile


async def list_fighters(conn: Connection) -> list[tuple[Profile, str]]:
    """Every fighter with a profile, by display name, with their email."""
    return await queries.all_with_emails(conn)
