"""/fighters: a fighter's own profile, and the list promoters pick from."""

from __future__ import annotations

from ringledger.auth.deps import Fighter, PromoterOrAdmin
from ringledger.core.json_body import api_router
from ringledger.core.openapi import errors
from ringledger.fighters import service
from ringledger.fighters.queries import Profile
from ringledger.fighters.schemas import FighterOut, ProfileIn, ProfileOut

router = api_router(prefix="/fighters", tags=["fighters"])


def profile_out(profile: Profile) -> ProfileOut:
    return ProfileOut(
        user_id=profile.user_id,
        display_name=profile.display_name,
        xrpl_address=profile.xrpl_address,
    )


@router.put("/me", operation_id="saveMyProfile", responses=errors(401, 403, 409, 422))
async def save_my_profile(body: ProfileIn, caller: Fighter) -> ProfileOut:
    """Create or update the calling fighter's profile."""
    async with caller.unit.transaction() as tx:
        profile = await service.save_profile(
            tx,
            user_id=caller.user.id,
            display_name=body.display_name,
            xrpl_address=body.xrpl_address,
        )
    return profile_out(profile)


@router.get("/me", operation_id="getMyProfile", responses=errors(401, 403, 404))
async def get_my_profile(caller: Fighter) -> ProfileOut:
    """The calling fighter's profile."""
    return profile_out(await service.get_profile(caller.unit.conn, user_id=caller.user.id))


@router.get("", operation_id="listFighters", responses=errors(401, 403))
async def list_fighters(caller: PromoterOrAdmin) -> list[FighterOut]:
    """Every fighter with a profile, for picking the two corners of a bout."""
    return [
        FighterOut(**profile_out(profile).model_dump(), email=email)
        for profile, email in await service.list_fighters(caller.unit.conn)
    ]
