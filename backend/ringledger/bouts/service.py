"""Creating, listing and loading bouts."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import datetime, timedelta

from sqlalchemy import Select, or_, select, true, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from ringledger.audit import service as audit
from ringledger.audit.service import Actor
from ringledger.auth.models import User, UserRole
from ringledger.bouts import conditions, plan
from ringledger.bouts.errors import BoutNotFound
from ringledger.bouts.models import Bout, BoutStatus, Escrow, EscrowKind
from ringledger.bouts.schemas import CreateBoutRequest
from ringledger.core.errors import BadRequest
from ringledger.core.timeutil import utcnow
from ringledger.fighters.models import FighterProfile


class CursorInvalid(BadRequest):
    code = "cursor_invalid"


async def create_bout(
    session: AsyncSession,
    *,
    promoter: User,
    request: CreateBoutRequest,
    cipher: object,
    signing_window: timedelta,
) -> Bout:
    """Validate the plan and store the bout in draft with its four planned escrows."""
    schedule = plan.schedule_for(request.event_datetime_utc)
    plan.require_signing_window(schedule.finish_after_at, now=utcnow(), window=signing_window)
    amounts = {
        EscrowKind.SHOW_A: request.show_a_drops,
        EscrowKind.SHOW_B: request.show_b_drops,
        EscrowKind.BONUS_A: request.bonus_a_drops,
        EscrowKind.BONUS_B: request.bonus_b_drops,
    }
    plan.check_amounts(amounts)
    addresses = await _fighter_addresses(
        session, [request.fighter_a_user_id, request.fighter_b_user_id]
    )
    fighter_a = addresses.get(request.fighter_a_user_id)
    fighter_b = addresses.get(request.fighter_b_user_id)
    plan.check_parties(
        fighter_a=fighter_a,
        fighter_b=fighter_b,
        same_fighter=request.fighter_a_user_id == request.fighter_b_user_id,
        promoter_address=request.promoter_xrpl_address,
    )
    assert fighter_a is not None and fighter_b is not None
    bout = Bout(
        id=uuid.uuid4(),
        title=request.title,
        status=BoutStatus.DRAFT,
        promoter_user_id=promoter.id,
        fighter_a_user_id=request.fighter_a_user_id,
        fighter_b_user_id=request.fighter_b_user_id,
        promoter_xrpl_address=request.promoter_xrpl_address,
        event_at=schedule.event_at,
        finish_after_at=schedule.finish_after_at,
        cancel_after_at=schedule.cancel_after_at,
        finish_after_ripple=schedule.finish_after_ripple,
        cancel_after_ripple=schedule.cancel_after_ripple,
    )
    planned = plan.plan_escrows(
        schedule=schedule, fighter_a=fighter_a, fighter_b=fighter_b, amounts=amounts
    )
    bout.escrows = [_escrow(bout, item, cipher) for item in planned]
    session.add(bout)
    await session.flush()
    await audit.record(
        session,
        actor=Actor(user_id=promoter.id, role=promoter.role.value),
        action="bout.create",
        entity_type="bout",
        entity_id=bout.id,
        bout_id=bout.id,
        outcome="applied",
        details={"status": bout.status.value, "escrows": [item.kind.value for item in planned]},
    )
    return bout


def _escrow(bout: Bout, item: plan.PlannedEscrow, cipher: object) -> Escrow:
    escrow = Escrow(
        id=uuid.uuid4(),
        bout_id=bout.id,
        kind=item.kind,
        owner_address=bout.promoter_xrpl_address,
        destination_address=item.destination,
        amount_drops=item.amount_drops,
        finish_after_ripple=item.finish_after_ripple,
        cancel_after_ripple=item.cancel_after_ripple,
    )
    if item.kind.is_bonus:
        preimage = conditions.new_preimage()
        escrow.condition_hex = conditions.condition_hex(preimage)
        escrow.preimage_ciphertext = cipher.encrypt(preimage).decode()  # type: ignore[attr-defined]
    return escrow


async def _fighter_addresses(
    session: AsyncSession, user_ids: list[uuid.UUID]
) -> dict[uuid.UUID, str]:
    rows = await session.execute(
        select(FighterProfile.user_id, FighterProfile.xrpl_address)
        .join(User, User.id == FighterProfile.user_id)
        .where(FighterProfile.user_id.in_(user_ids), User.role == UserRole.FIGHTER)
    )
    return {user_id: address for user_id, address in rows}


def visible_to(user: User) -> object:
    """The SQL condition for the bouts `user` may see."""
    if user.role == UserRole.ADMIN:
        return true()
    if user.role == UserRole.PROMOTER:
        return Bout.promoter_user_id == user.id
    return or_(Bout.fighter_a_user_id == user.id, Bout.fighter_b_user_id == user.id)


async def get_visible(session: AsyncSession, *, user: User, bout_id: uuid.UUID) -> Bout:
    """The bout, if `user` may see it; otherwise 404 exactly as if it did not exist."""
    query = (
        select(Bout)
        .where(Bout.id == bout_id, visible_to(user))  # type: ignore[arg-type]
        .options(joinedload(Bout.escrows, innerjoin=True))
    )
    bout = (await session.execute(query)).unique().scalar_one_or_none()
    if bout is None:
        raise BoutNotFound("No such bout.")
    return bout


async def require_visible(session: AsyncSession, *, user: User, bout_id: uuid.UUID) -> uuid.UUID:
    """The bout's id if `user` may see it (404 otherwise), without loading the bout itself."""
    found = await session.scalar(
        select(Bout.id).where(Bout.id == bout_id, visible_to(user))  # type: ignore[arg-type]
    )
    if found is None:
        raise BoutNotFound("No such bout.")
    return found


async def list_visible(
    session: AsyncSession, *, user: User, status: BoutStatus | None, limit: int, cursor: str | None
) -> tuple[list[Bout], str | None]:
    """A page of visible bouts, newest first, and the cursor of the next page."""
    query: Select[Bout] = select(Bout).where(visible_to(user))  # type: ignore[arg-type]
    if status is not None:
        query = query.where(Bout.status == status)
    if cursor is not None:
        created_at, last_id = _decode_cursor(cursor)
        query = query.where(tuple_(Bout.created_at, Bout.id) < tuple_(created_at, last_id))
    rows = list(
        await session.scalars(
            query.order_by(Bout.created_at.desc(), Bout.id.desc()).limit(limit + 1)
        )
    )
    page, more = rows[:limit], len(rows) > limit
    return page, _encode_cursor(page[-1]) if more else None


def _encode_cursor(bout: Bout) -> str:
    raw = json.dumps([bout.created_at.isoformat(), str(bout.id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, last_id = json.loads(raw)
        moment = datetime.fromisoformat(created_at)
        if moment.tzinfo is None:
            raise ValueError("naive cursor time")
        return moment, uuid.UUID(last_id)
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError) as error:
        raise CursorInvalid("The cursor is not one this service issued.") from error
