"""Fighter profiles: the XRPL address a fighter is paid to."""

from __future__ import annotations

import uuid

import asyncpg

from ringledger.audit import service as audit
from ringledger.audit.service import Actor
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
    """Create or replace the fighter's profile; an address belongs to one fighter only.

    The address is where the fighter's escrows pay out, so every change of it is an audit row
    with the address before and after.
    """
    previous = await queries.profile(tx.conn, user_id)
    try:
        saved = await queries.save(
            tx.conn, user_id=user_id, display_name=display_name, xrpl_address=xrpl_address
        )
    except asyncpg.UniqueViolationError as error:  # the unique index on the address
        raise AddressTaken("Another fighter already uses this XRPL address.") from error
    if previous != saved:
        audit.record(
            tx,
            actor=Actor(user_id=user_id, role="fighter"),
            action="fighter.save_profile",
            entity_type="fighter_profile",
            entity_id=user_id,
            outcome="applied",
            details={
                "display_name": saved.display_name,
                "xrpl_address": saved.xrpl_address,
                "previous_xrpl_address": previous.xrpl_address if previous else None,
            },
        )
    return saved


async def get_profile(conn: Connection, *, user_id: uuid.UUID) -> Profile:
    profile = await queries.profile(conn, user_id)
    if profile is None:
        raise ProfileNotFound("You have not saved a fighter profile yet.")
    return profile


async def list_fighters(conn: Connection) -> list[tuple[Profile, str]]:
    """Every fighter with a profile, by display name, with their email."""
    return await queries.all_with_emails(conn)
