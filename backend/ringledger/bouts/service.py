"""Creating, listing and loading bouts."""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson
from cryptography.fernet import MultiFernet

from ringledger.audit import service as audit
from ringledger.audit.service import Actor
from ringledger.auth.models import UserRole
from ringledger.auth.queries import UserRow
from ringledger.bouts import amounts, conditions, plan, queries
from ringledger.bouts.models import BoutStatus, EscrowStatus
from ringledger.bouts.records import BoutRow, EscrowRow
from ringledger.bouts.schemas import CreateBoutRequest
from ringledger.core.config import Settings
from ringledger.core.db import Connection, Tx
from ringledger.core.errors import BadRequest
from ringledger.core.timeutil import utcnow
from ringledger.core.tokens import AllowedToken
from ringledger.fighters import queries as fighter_queries


class CursorInvalid(BadRequest):
    code = "cursor_invalid"


@dataclass(frozen=True)
class BoutRules:
    """The settings a new bout is planned with."""

    signing_window: timedelta
    tokens: list[AllowedToken]
    token_show_cancel_after: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> BoutRules:
        return cls(
            signing_window=settings.RINGLEDGER_MIN_SIGNING_WINDOW,
            tokens=settings.RINGLEDGER_TOKENS,
            token_show_cancel_after=settings.RINGLEDGER_TOKEN_SHOW_CANCEL_AFTER,
        )


async def create_bout(
    tx: Tx,
    *,
    promoter: UserRow,
    request: CreateBoutRequest,
    cipher: MultiFernet,
    rules: BoutRules,
) -> BoutRow:
    """Validate the plan and store the bout in draft with its four planned escrows."""
    purses = amounts.purses_of(request, tokens=rules.tokens)
    show_cancel_after = rules.token_show_cancel_after if purses.token else None
    schedule = plan.schedule_for(request.event_datetime_utc, show_cancel_after=show_cancel_after)
    plan.require_signing_window(schedule.finish_after_at, now=utcnow(), window=rules.signing_window)
    addresses = await fighter_queries.fighter_addresses(
        tx.conn, [request.fighter_a_user_id, request.fighter_b_user_id]
    )
    fighter_a = addresses.get(request.fighter_a_user_id)
    fighter_b = addresses.get(request.fighter_b_user_id)
    plan.check_parties(
        fighter_a=fighter_a,
        fighter_b=fighter_b,
        same_fighter=request.fighter_a_user_id == request.fighter_b_user_id,
        promoter_address=request.promoter_xrpl_address,
    )
    amounts.check_not_issuer(purses, request.promoter_xrpl_address)
    assert fighter_a is not None and fighter_b is not None
    token = purses.token
    now = utcnow()
    bout = BoutRow(
        id=uuid.uuid4(),
        title=request.title,
        status=BoutStatus.DRAFT,
        outcome=None,
        promoter_user_id=promoter.id,
        fighter_a_user_id=request.fighter_a_user_id,
        fighter_b_user_id=request.fighter_b_user_id,
        promoter_xrpl_address=request.promoter_xrpl_address,
        event_at=schedule.event_at,
        finish_after_at=schedule.finish_after_at,
        cancel_after_at=schedule.cancel_after_at,
        finish_after_ripple=schedule.finish_after_ripple,
        cancel_after_ripple=schedule.cancel_after_ripple,
        created_at=now,
        updated_at=now,
        token_label=token.label if token else None,
        token_currency=token.currency if token else None,
        token_issuer=token.issuer if token else None,
    )
    planned = plan.plan_escrows(
        schedule=schedule,
        fighter_a=fighter_a,
        fighter_b=fighter_b,
        drops=purses.drops,
        values=purses.values,
    )
    bout.escrows = [_escrow(bout, item, cipher) for item in planned]
    await queries.insert_bout(tx.conn, bout)
    audit.record(
        tx,
        actor=Actor(user_id=promoter.id, role=promoter.role.value),
        action="bout.create",
        entity_type="bout",
        entity_id=bout.id,
        bout_id=bout.id,
        outcome="applied",
        details={"status": bout.status.value, "escrows": [item.kind.value for item in planned]},
    )
    return bout


def _escrow(bout: BoutRow, item: plan.PlannedEscrow, cipher: MultiFernet) -> EscrowRow:
    condition = ciphertext = None
    if item.kind.is_bonus:
        preimage = conditions.new_preimage()
        condition = conditions.condition_hex(preimage)
        ciphertext = cipher.encrypt(preimage).decode()
    return EscrowRow(
        id=uuid.uuid4(),
        bout_id=bout.id,
        kind=item.kind,
        status=EscrowStatus.PLANNED,
        owner_address=bout.promoter_xrpl_address,
        destination_address=item.destination,
        amount_drops=item.amount_drops,
        amount_value=item.amount_value,
        finish_after_ripple=item.finish_after_ripple,
        cancel_after_ripple=item.cancel_after_ripple,
        condition_hex=condition,
        preimage_ciphertext=ciphertext,
        offer_sequence=None,
        create_tx_hash=None,
        close_tx_hash=None,
        failure_code=None,
        failure_reason=None,
    )


def may_see(user: UserRow, parties: BoutRow) -> bool:
    """Admins see every bout, a promoter their own, a fighter those they fight in."""
    if user.role == UserRole.ADMIN:
        return True
    if user.role == UserRole.PROMOTER:
        return parties.promoter_user_id == user.id
    return user.id in (parties.fighter_a_user_id, parties.fighter_b_user_id)


_SCOPES = {UserRole.ADMIN: "all", UserRole.PROMOTER: "promoter", UserRole.FIGHTER: "fighter"}


async def list_visible(
    conn: Connection, *, user: UserRow, status: BoutStatus | None, limit: int, cursor: str | None
) -> tuple[list[BoutRow], str | None]:
    """A page of visible bouts, newest first, and the cursor of the next page."""
    before = _decode_cursor(cursor) if cursor is not None else queries.FIRST_PAGE
    rows = await queries.page(
        conn,
        scope=_SCOPES[user.role],
        user_id=user.id,
        status=status,
        before=before,
        limit=limit + 1,
    )
    page, more = rows[:limit], len(rows) > limit
    return page, _encode_cursor(page[-1]) if more else None


def _encode_cursor(bout: BoutRow) -> str:
    raw = orjson.dumps([bout.created_at.isoformat(), str(bout.id)])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    """The keyset a cursor names; 400 cursor_invalid for anything this service did not issue.

    The time is brought to UTC here: a forged offset at the edge of Python's date range
    (`0001-01-01T00:00:00+23:59`) cannot be converted, and must be refused before the driver
    tries to.
    """
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, last_id = orjson.loads(raw)
        if not isinstance(created_at, str) or not isinstance(last_id, str):
            raise TypeError("a cursor holds two strings")
        moment = datetime.fromisoformat(created_at)
        if moment.tzinfo is None:
            raise ValueError("naive cursor time")
        return moment.astimezone(UTC), uuid.UUID(last_id)
    except (ValueError, TypeError, OverflowError, binascii.Error) as error:
        # orjson.JSONDecodeError is a ValueError.
        raise CursorInvalid("The cursor is not one this service issued.") from error
