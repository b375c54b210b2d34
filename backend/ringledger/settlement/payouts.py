"""Payouts: finish or cancel each escrow as the outcome's plan says (bouts.outcomes); `phases`
runs the steps, these are the rules of this phase."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from ringledger.audit.service import Actor
from ringledger.bouts import preimages
from ringledger.bouts.models import BoutStatus, EscrowStatus
from ringledger.bouts.outcomes import PayoutPlan, plan_for, refund_pending
from ringledger.bouts.records import BoutRow, EscrowRow
from ringledger.core.config import Settings
from ringledger.core.db import Tx
from ringledger.core.timeutil import from_ripple, iso_utc
from ringledger.ledger.evidence import ExpectedPayout, Failure, PayoutAction, payout_failure
from ringledger.ledger.interface import LedgerTx, LedgerVerifier
from ringledger.settlement import closing, phases, transactions
from ringledger.settlement.closing import Close
from ringledger.settlement.phases import Prepared
from ringledger.settlement.schemas import PayoutConfirmRequest
from ringledger.signing.interface import SigningService
from ringledger.signing.models import SigningPhase
from ringledger.signing.queries import AttemptRow
from ringledger.signing.service import Draft

PREPARE = "payouts.prepare"
CONFIRM = "escrow.confirm_payout"
PAYING = frozenset({BoutStatus.RESULT_ENTERED, BoutStatus.PAYOUTS_IN_PROGRESS})


def plan_of(bout: BoutRow) -> PayoutPlan:
    assert bout.outcome is not None, "payouts exist only once a result is entered"
    return plan_for(bout.outcome)


def payouts_open(bout: BoutRow) -> bool:
    """Payouts may be prepared/confirmed while paying, or after close for a pending refund."""
    return bout.status in PAYING or (bout.status == BoutStatus.CLOSED and refund_pending(bout))


@dataclass(frozen=True)
class Payouts:
    """The rules of the payout phase."""

    settings: Settings
    signing_phase = SigningPhase.PAYOUT
    prepare_action = PREPARE
    confirm_action = CONFIRM

    async def fulfillment(
        self, tx: Tx, bout: BoutRow, escrow: EscrowRow, actor: Actor, action: str
    ) -> str | None:
        """The platform's fulfillment, for a winner's bonus only (no other is ever revealed)."""
        if not plan_of(bout).reveals(escrow.kind):
            return None
        return await preimages.fulfillment(
            tx,
            bout=bout,
            escrow=escrow,
            cipher=self.settings.preimage_cipher,
            actor=actor,
            action=action,
        )

    def prepare_refusal(self, bout: BoutRow) -> str | None:
        if payouts_open(bout):
            return None
        return (
            "Payouts can be prepared after the result is entered (or, once closed, while a "
            f"refund is pending); the bout is {bout.status.value}."
        )

    async def prepared(
        self, tx: Tx, bout: BoutRow, actor: Actor, requests: list[AttemptRow]
    ) -> list[Prepared]:
        """An EscrowFinish or EscrowCancel per escrow still created, as the outcome says."""
        plan = plan_of(bout)
        items = []
        for escrow in bout.escrows:
            if escrow.status != EscrowStatus.CREATED:
                continue
            action = plan.action(escrow.kind)
            fulfillment = await self.fulfillment(tx, bout, escrow, actor, PREPARE)
            items.append(self._prepared(escrow, action, fulfillment))
        return items

    def _prepared(
        self, escrow: EscrowRow, action: PayoutAction, fulfillment: str | None
    ) -> Prepared:
        if action is PayoutAction.CANCEL:
            tx = transactions.escrow_cancel(escrow)
            assert escrow.cancel_after_ripple is not None
            not_before = escrow.cancel_after_ripple
            words = f"return fighter {escrow.kind.corner.value}'s bonus to the promoter"
        else:
            tx = transactions.escrow_finish(
                escrow,
                fulfillment_hex=fulfillment,
                base_fee_drops=self.settings.XRPL_BASE_FEE_DROPS,
            )
            not_before = escrow.finish_after_ripple
            words = f"release the {escrow.kind.value.replace('_', ' ')} escrow to its fighter"
        draft = Draft(
            escrow_id=escrow.id,
            escrow_kind=escrow.kind.value,
            signer=escrow.owner_address,
            txjson=tx,
            instruction=f"RingLedger: {words}.",
        )
        extra = {"action": action.value, "not_before_utc": iso_utc(from_ripple(not_before))}
        return Prepared(escrow, draft, extra)

    def expire_minutes(self, bout: BoutRow) -> int:
        return self.settings.XAMAN_PAYLOAD_EXPIRE_MINUTES

    def confirm_refusal(self, bout: BoutRow, escrow: EscrowRow) -> str | None:
        if payouts_open(bout) and escrow.status == EscrowStatus.CREATED:
            return None
        return (
            f"The {escrow.kind.value} escrow is {escrow.status.value} and the bout "
            f"{bout.status.value}; it cannot be paid out now."
        )

    async def mismatch(
        self, tx: Tx, bout: BoutRow, escrow: EscrowRow, observed: LedgerTx, actor: Actor
    ) -> Failure | None:
        expected = ExpectedPayout(
            action=plan_of(bout).action(escrow.kind),
            owner=escrow.owner_address,
            offer_sequence=escrow.offer_sequence,
            finish_after=escrow.finish_after_ripple,
            cancel_after=escrow.cancel_after_ripple,
            fulfillment_hex=await self.fulfillment(tx, bout, escrow, actor, CONFIRM),
        )
        # A node's validated tesSUCCESS already proves the timing: the ledger judged it by its
        # parent ledger's close time, which the service does not see (the one ledger that
        # straddles CancelAfter). Only the stub ledger's evidence is judged here.
        judge_timing = self.settings.XRPL_MODE == "stub"
        return payout_failure(observed, expected, judge_timing=judge_timing)

    async def settle(
        self,
        tx: Tx,
        bout: BoutRow,
        escrow: EscrowRow,
        claimed: LedgerTx,
        observed: LedgerTx,
        actor: Actor,
    ) -> dict[str, Any]:
        """created → finished/cancelled; the bout pays from the first and closes once every
        escrow the outcome pays out is settled (refunds may come after)."""
        closing.record_close(
            tx,
            bout=bout,
            escrow=escrow,
            close=Close(
                action=plan_of(bout).action(escrow.kind),
                tx_hash=claimed.tx_hash,
                # Only a node says who submitted it; the stub ledger's evidence does not.
                closed_by=observed.account,
                moved=observed.token_deltas,
            ),
            actor=actor,
            action=CONFIRM,
        )
        return {
            "bout_id": str(bout.id),
            "escrow_id": str(escrow.id),
            "escrow_kind": escrow.kind.value,
            "escrow_status": escrow.status.value,
            "bout_status": bout.status.value,
            "tx_hash": claimed.tx_hash,
        }


async def prepare(
    tx: Tx, *, bout_id: uuid.UUID, actor: Actor, signing: SigningService, settings: Settings
) -> dict[str, Any]:
    """Unsigned EscrowFinish/EscrowCancel and sign requests for every escrow still created."""
    bout, items = await phases.prepare(
        tx, Payouts(settings), bout_id=bout_id, actor=actor, signing=signing
    )
    return {"bout_id": bout.id, "bout_status": bout.status.value, "escrows": items}


def claimed_payout(request: PayoutConfirmRequest) -> LedgerTx:
    return LedgerTx(
        tx_hash=request.tx_hash.upper(),
        validated=request.validated,
        engine_result=request.engine_result,
        transaction_type=request.transaction_type,
        owner=request.owner_address,
        offer_sequence=request.offer_sequence,
        close_time=request.close_time_ripple,
        fulfillment_hex=request.fulfillment_hex,
    )


async def confirm(
    tx: Tx,
    *,
    bout_id: uuid.UUID,
    request: PayoutConfirmRequest,
    actor: Actor,
    ledger: LedgerVerifier,
    settings: Settings,
) -> dict[str, Any]:
    """Move one escrow created → finished/cancelled on validated evidence; close when paid."""
    claimed = claimed_payout(request)
    return await phases.confirm(
        tx,
        Payouts(settings),
        bout_id=bout_id,
        kind=request.escrow_kind.value,
        claimed=claimed,
        sent_claim=claimed,
        ledger=ledger,
        actor=actor,
    )
