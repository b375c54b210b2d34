"""A fighter's trust lines: can their account receive each token their bouts pay in, and a sign
request that adds (or raises) the line when it cannot.

A trust line is the fighter's own promise to hold up to a limit of one issuer's currency; only the
fighter can make it, with a `TrustSet` from their account. The service prepares that transaction
for the fighter's profile address and asks Xaman for a sign request only that address may sign, on
the configured network (as for every sign request). It never submits anything itself.

The limit asked for is enough for every amount the fighter's open bouts in the token still owe
them: in rpc mode the larger of the line's current limit and its balance plus what is owed (a
limit is never lowered); in stub mode, with no ledger to read, what is owed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import ROUND_UP, Decimal
from typing import Any

from ringledger.audit import service as audit
from ringledger.audit.service import Actor
from ringledger.bouts.models import EscrowKind, Outcome
from ringledger.bouts.outcomes import plan_for
from ringledger.bouts.records import Token
from ringledger.core.config import Settings
from ringledger.core.db import Connection, Tx
from ringledger.core.errors import Conflict, NotFound, Unprocessable
from ringledger.core.tokens import EXACT, ledger_decimal, plain, to_ledger_digits
from ringledger.core.xrpl_models import IssuedCurrencyAmount, TrustSet, TrustSetFlag, unsigned
from ringledger.fighters import queries as fighter_queries
from ringledger.fighters.queries import Profile
from ringledger.issued import checks, queries
from ringledger.ledger.evidence import PayoutAction
from ringledger.ledger.interface import Ledger
from ringledger.signing import service as signing_service
from ringledger.signing.interface import SigningService, SigningUnavailable

ACTION = "fighter.trust_line"


class TokenNotFound(NotFound):
    code = "token_not_found"


class ProfileRequired(Conflict):
    code = "profile_required"


class NothingOwed(Unprocessable):
    code = "nothing_owed"


@dataclass
class Owed:
    """What the fighter's open bouts in one token still owe them, per address they pay (an
    address nothing more is owed to is not listed)."""

    token: Token
    bout_ids: list[uuid.UUID] = field(default_factory=list)
    by_address: dict[str, Decimal] = field(default_factory=dict)

    def total(self) -> Decimal:
        summed = Decimal(0)
        for value in self.by_address.values():
            summed = EXACT.add(summed, value)
        return summed


async def owed_by_token(conn: Connection, fighter_id: uuid.UUID) -> dict[str, Owed]:
    """Per token label, in the order of the fighter's oldest open bout in it."""
    owed: dict[str, Owed] = {}
    for row in await queries.owed_escrows(conn, fighter_id):
        token = Token(row.token_label, row.token_currency, row.token_issuer)
        item = owed.setdefault(token.label, Owed(token))
        if row.bout_id not in item.bout_ids:
            item.bout_ids.append(row.bout_id)
        if row.settled or _refunded(row):
            continue  # paid already, or never the fighter's: no line needs room for it
        before = item.by_address.get(row.destination_address, Decimal(0))
        item.by_address[row.destination_address] = EXACT.add(before, row.amount_value)
    return owed


def _refunded(row: queries.OwedEscrow) -> bool:
    """A bonus the entered outcome sends back to the promoter: never the fighter's."""
    if row.outcome is None:
        return False
    return plan_for(Outcome(row.outcome)).action(EscrowKind(row.kind)) is PayoutAction.CANCEL


async def readiness(
    conn: Connection, *, fighter_id: uuid.UUID, ledger: Ledger
) -> list[dict[str, Any]]:
    """One item per token of the fighter's open bouts: can each address those bouts pay
    receive what they still owe (rpc mode; `ready` and `reason` are null in stub mode)?"""
    items = []
    profile = await fighter_queries.profile(conn, fighter_id)
    for owed in (await owed_by_token(conn, fighter_id)).values():
        ready: bool | None = None
        reason: str | None = None
        if ledger.mode == "rpc":
            reason = _elsewhere(owed, profile) or await _reason(ledger, owed)
            ready = reason is None
        items.append(
            {
                "label": owed.token.label,
                "currency": owed.token.currency,
                "issuer": owed.token.issuer,
                "bout_ids": owed.bout_ids,
                "ready": ready,
                "reason": reason,
            }
        )
    return items


def _elsewhere(owed: Owed, profile: Profile | None) -> str | None:
    """Bouts that pay another address than the profile's: a line added from the profile's
    address (what this service prepares) would not help them."""
    other = sorted(
        address for address in owed.by_address if profile is None or address != profile.xrpl_address
    )
    if not other:
        return None
    return (
        f"Bouts in {owed.token.label} pay {', '.join(other)}, the address your profile had when "
        "they were created, not your profile's address now: that account needs the trust line, "
        "and a trust-line request here is for your profile's address."
    )


async def _reason(ledger: Ledger, owed: Owed) -> str | None:
    token = owed.token
    issuer = await ledger.account_info(token.issuer)
    reason = checks.issuer_reason(token, issuer)
    if reason is not None or issuer is None:
        return reason
    for address, value in owed.by_address.items():
        line = await checks.trust_line(ledger, address, token)
        found = checks.fighter_reason(
            f"Your account {address}", address, token, issuer, line, value, yours=True
        )
        if found is not None:
            return found
    return None


async def request_trust_line(
    tx: Tx,
    *,
    fighter_id: uuid.UUID,
    label: str,
    actor: Actor,
    settings: Settings,
    ledger: Ledger,
    signing: SigningService,
) -> dict[str, Any]:
    """A TrustSet from the fighter's profile address for the token, and its sign request."""
    allowed = settings.token(label)
    if allowed is None:
        raise TokenNotFound(f"{label[:32]!r} is not a token bouts may use (see GET /tokens).")
    token = Token(allowed.label, allowed.currency, allowed.issuer)
    profile = await fighter_queries.profile(tx.conn, fighter_id)
    if profile is None:
        raise ProfileRequired(
            "Save your fighter profile (PUT /fighters/me) first: the trust line is for its address."
        )
    owed = (await owed_by_token(tx.conn, fighter_id)).get(label, Owed(token))
    needed = owed.total()
    if needed <= 0:
        raise NothingOwed(
            f"No open bout of yours still owes you {label}: the line's limit is set from what "
            "your bouts owe you, so ask once a promoter has created one."
        )
    limit = needed
    if ledger.mode == "rpc":
        line = await checks.trust_line(ledger, profile.xrpl_address, token)
        if line is not None:
            held = ledger_decimal(line.balance) or Decimal(0)
            current = ledger_decimal(line.limit) or Decimal(0)
            limit = max(current, EXACT.add(held, needed))
    # The sum may need more digits than a ledger amount holds: rounded up, the line still has
    # room for everything owed (rounded down, rippled would refuse the last finish).
    limit = to_ledger_digits(limit, ROUND_UP)
    txjson = trust_set(profile.xrpl_address, token, limit)
    try:
        request = await signing.create(
            txjson=txjson,
            identifier=uuid.uuid4().hex,
            instruction=f"RingLedger: let your account hold up to {plain(limit)} {token.label}.",
            expire_minutes=settings.XAMAN_PAYLOAD_EXPIRE_MINUTES,
            signer=profile.xrpl_address,
        )
    except SigningUnavailable as error:
        _audit(tx, actor, fighter_id, token, limit, "xaman_unavailable", {"reason": error.detail})
        error.keep_changes = True
        raise
    _audit(tx, actor, fighter_id, token, limit, "applied", {"payload_id": request.payload_id})
    return {"unsigned_tx": txjson, "xaman_sign_request": signing_service.sign_request_out(request)}


def trust_set(account: str, token: Token, limit: Decimal) -> dict[str, Any]:
    """An unsigned TrustSet: `account` may hold up to `limit` of the token. No rippling
    (tfSetNoRipple): a fighter's balance is never used to pass payments through."""
    return unsigned(
        TrustSet(
            account=account,
            limit_amount=IssuedCurrencyAmount(
                currency=token.currency, issuer=token.issuer, value=plain(limit)
            ),
            flags=TrustSetFlag.TF_SET_NO_RIPPLE,
        )
    )


def _audit(
    tx: Tx,
    actor: Actor,
    fighter_id: uuid.UUID,
    token: Token,
    limit: Decimal,
    outcome: str,
    extra: dict[str, Any],
) -> None:
    audit.record(
        tx,
        actor=actor,
        action=ACTION,
        entity_type="fighter_profile",
        entity_id=fighter_id,
        outcome=outcome,
        details={"label": token.label, "issuer": token.issuer, "limit": plain(limit), **extra},
    )
