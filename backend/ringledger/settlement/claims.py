"""A fighter claims their own show purse: a sign request for an EscrowFinish from their address.

Show money is the fighter's once FinishAfter has passed, whatever the promoter does: a show
escrow has no CancelAfter, and any account may finish an escrow once FinishAfter has passed. So
the fighter an escrow pays may ask for a sign request that finishes it from their own profile
address, which only that address may sign. Bonus escrows are never claimable: their fulfillment
goes only to the promoter, and only for the winner. In rpc mode the follow-through records the
finish once it is signed and validated; in stub mode the promoter's payout confirm accepts its
hash like any other finish of that escrow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ringledger.audit.service import Actor
from ringledger.auth.queries import UserRow
from ringledger.bouts.models import EscrowKind, EscrowStatus, Winner
from ringledger.bouts.records import BoutRow
from ringledger.core.config import Settings
from ringledger.core.db import Tx
from ringledger.core.errors import Forbidden, Unprocessable
from ringledger.core.timeutil import iso_utc, utcnow
from ringledger.fighters import queries as fighter_queries
from ringledger.settlement import phases, transactions
from ringledger.settlement.phases import Prepared
from ringledger.signing.interface import SigningService
from ringledger.signing.models import SigningPhase
from ringledger.signing.queries import AttemptRow
from ringledger.signing.service import Draft

ACTION = "escrow.claim"


class NotClaimable(Unprocessable):
    code = "not_claimable"


@dataclass(frozen=True)
class ShowClaim:
    """The prepare rules of one fighter's claim of one show escrow (`phases.prepare`)."""

    settings: Settings
    kind: EscrowKind
    fighter_address: str
    signing_phase = SigningPhase.CLAIM
    prepare_action = ACTION

    def prepare_refusal(self, bout: BoutRow) -> str | None:
        escrow = bout.escrow(self.kind)
        if escrow.status != EscrowStatus.CREATED:
            return (
                f"The {self.kind.value} escrow is {escrow.status.value}; only a show purse "
                "locked in a created escrow can be claimed."
            )
        if utcnow() <= bout.finish_after_at:
            return (
                f"The show purse can be claimed once FinishAfter has passed "
                f"({iso_utc(bout.finish_after_at)}); the ledger refuses an earlier finish."
            )
        return None

    async def prepared(
        self, tx: Tx, bout: BoutRow, actor: Actor, requests: list[AttemptRow]
    ) -> list[Prepared]:
        escrow = bout.escrow(self.kind)
        draft = Draft(
            escrow_id=escrow.id,
            escrow_kind=self.kind.value,
            signer=self.fighter_address,
            txjson=transactions.escrow_claim(escrow, account=self.fighter_address),
            instruction=f"RingLedger: claim your show purse (the {self.kind.value} escrow).",
        )
        return [Prepared(escrow, draft)]

    def expire_minutes(self, bout: BoutRow) -> int:
        return self.settings.XAMAN_PAYLOAD_EXPIRE_MINUTES


def check_claimant(user: UserRow, bout: BoutRow, kind: EscrowKind) -> None:
    """Only the fighter the escrow pays (403 for anyone else who sees the bout); only a show
    escrow (422)."""
    fighter = bout.fighter_a_user_id if kind.corner == Winner.A else bout.fighter_b_user_id
    if user.id != fighter:
        raise Forbidden("Only the fighter an escrow pays may claim it.")
    if kind.is_bonus:
        raise NotClaimable(
            "A bonus cannot be claimed: it is paid only to the winner, with the platform's "
            "fulfillment, in the promoter's payouts."
        )


async def claim(
    tx: Tx,
    *,
    user: UserRow,
    bout: BoutRow,
    kind: EscrowKind,
    actor: Actor,
    signing: SigningService,
    settings: Settings,
) -> dict[str, Any]:
    """A sign request for the fighter's own EscrowFinish of their show escrow."""
    check_claimant(user, bout, kind)
    profile = await fighter_queries.profile(tx.conn, user.id)
    assert profile is not None, "a bout's fighters have profiles"
    rules = ShowClaim(settings, kind, profile.xrpl_address)
    claimed, items = await phases.prepare(tx, rules, bout_id=bout.id, actor=actor, signing=signing)
    [item] = items
    return {
        "bout_id": claimed.id,
        "escrow_kind": kind.value,
        "unsigned_tx": item["unsigned_tx"],
        "xaman_sign_request": item["xaman_sign_request"],
    }
