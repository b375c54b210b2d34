"""Fighter profiles: the XRPL address a fighter is paid to."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ringledger.auth.models import User
from ringledger.core.errors import Conflict, NotFound
from ringledger.fighters.models import FighterProfile


class AddressTaken(Conflict):
    code = "xrpl_address_taken"


class ProfileNotFound(NotFound):
    code = "profile_not_found"


async def save_profile(
    session: AsyncSession, *, user_id: uuid.UUID, display_name: str, xrpl_address: str
) -> FighterProfile:
    """Create or replace the fighter's profile; an address belongs to one fighter only."""
    profile = await session.get(FighterProfile, user_id)
    if profile is None:
        profile = FighterProfile(user_id=user_id)
        session.add(profile)
    profile.display_name = display_name
    profile.xrpl_address = xrpl_address
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as error:
        raise AddressTaken("Another fighter already uses this XRPL address.") from error
    return profile


async def get_profile(session: AsyncSession, *, user_id: uuid.UUID) -> FighterProfile:
    profile = await session.get(FighterProfile, user_id)
    if profile is None:
        raise ProfileNotFound("You have not saved a fighter profile yet.")
    return profile


async def list_fighters(session: AsyncSession) -> list[tuple[FighterProfile, str]]:
    """Every fighter with a profile, by display name, with their email."""
    rows = await session.execute(
        select(FighterProfile, User.email)
        .join(User, User.id == FighterProfile.user_id)
        .order_by(FighterProfile.display_name, FighterProfile.user_id)
    )
    return [(profile, email) for profile, email in rows]
