"""Escrow creation: prepare the EscrowCreates, confirm each on ledger evidence (`phases` runs
the steps; these are the rules of this phase)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Any

from ringledger.audit.service import Actor
from ringledger.bouts import amounts, lifecycle, plan, queries
from ringledger.bouts.models import BoutStatus, EscrowStatus
from ringledger.bouts.records import BoutRow, EscrowRow, Token
from ringledger.core.config import Settings
from ringledger.core.db import Tx
from ringledger.core.timeutil import utcnow
from ringledger.core.tokens import plain
from ringledger.issued import checks
from ringledger.ledger.evidence import (
    ExpectedCreate,
    Failure,
    FailureCode,
    create_failure,
)
from ringledger.ledger.interface import Ledger, LedgerTx, LedgerVerifier, TokenAmount
from ringledger.settlement import phases, transactions
from ringledger.settlement.phases import Prepared
from ringledger.settlement.schemas import EscrowConfirmRequest
from ringledger.signing.interface import SigningService
from ringledger.signing.models import SigningPhase, SigningStatus
from ringledger.signing.queries import AttemptRow
from ringledger.signing.service import Draft

PREPARE = "escrows.prepare"
CONFIRM = "escrow.confirm_create"


def _instruction(escrow: EscrowRow, token: Token | None) -> str:
    purpose = "bonus" if escrow.kind.is_bonus else "show money"
    return (
        f"RingLedger: lock fighter {escrow.kind.corner.value}'s {purpose} "
        f"({_in_words(escrow, token)}) in escrow."
    )


def _in_words(escrow: EscrowRow, token: Token | None) -> str:
    if token is not None:
        assert escrow.amount_value is not None
        return f"{plain(escrow.amount_value)} {token.label}"
    assert escrow.amount_drops is not None
    drops = escrow.amount_drops
    xrp = f"{drops // 1_000_000}.{drops % 1_000_000:06d}".rstrip("0").rstrip(".")
    return f"{xrp} XRP"


@dataclass(frozen=True)
class EscrowCreation:
    """The rules of the escrow-creation phase."""

    settings: Settings
    signing_phase = SigningPhase.ESCROW_CREATE
    prepare_action = PREPARE
    confirm_action = CONFIRM

    def prepare_refusal(self, bout: BoutRow) -> str | None:
        if bout.status != BoutStatus.DRAFT:
            return f"Escrows can be prepared only in draft; the bout is {bout.status.value}."
        return None

    async def prepared(
        self, tx: Tx, bout: BoutRow, actor: Actor, requests: list[AttemptRow]
    ) -> list[Prepared]:
        """An EscrowCreate per planned escrow, but none for one whose EscrowCreate was signed.

        A signed EscrowCreate may already be on the ledger: a second one would lock the same
        money twice (a show escrow, which has no CancelAfter, for good). Until a confirm says
        what the signed one did — created the escrow, or was rejected (`ledger_tec_tem`) —
        that escrow gets no new sign request.
        """
        plan.require_signing_window(
            bout.finish_after_at, now=utcnow(), window=self.settings.RINGLEDGER_MIN_SIGNING_WINDOW
        )
        planned = [escrow for escrow in bout.escrows if escrow.status == EscrowStatus.PLANNED]
        pending = _signed_pending(planned, requests)
        if planned and len(pending) == len(planned):
            raise lifecycle.reject(
                tx,
                bout=bout,
                actor=actor,
                action=PREPARE,
                detail="Every escrow still planned has a signed EscrowCreate, which may already "
                "be on the ledger: confirm those before asking for new signatures.",
                details={"escrow_kinds": [escrow.kind.value for escrow in pending]},
            )
        return [
            Prepared(
                escrow,
                Draft(
                    escrow_id=escrow.id,
                    escrow_kind=escrow.kind.value,
                    signer=escrow.owner_address,
                    txjson=transactions.escrow_create(
                        escrow, amount=amounts.ledger_amount(escrow, bout.token)
                    ),
                    instruction=_instruction(escrow, bout.token),
                ),
            )
            for escrow in planned
            if escrow not in pending
        ]

    def expire_minutes(self, bout: BoutRow) -> int:
        # The EscrowCreate must be validated before FinishAfter: never let a request outlive it.
        minutes_left = int((bout.finish_after_at - utcnow()).total_seconds() // 60)
        return max(1, min(self.settings.XAMAN_PAYLOAD_EXPIRE_MINUTES, minutes_left))

    def confirm_refusal(self, bout: BoutRow, escrow: EscrowRow) -> str | None:
        if bout.status == BoutStatus.DRAFT and escrow.status == EscrowStatus.PLANNED:
            return None
        return (
            f"The {escrow.kind.value} escrow is {escrow.status.value} and the bout "
            f"{bout.status.value}; only a planned escrow of a draft bout can be confirmed."
        )

    async def mismatch(
        self, tx: Tx, bout: BoutRow, escrow: EscrowRow, observed: LedgerTx, actor: Actor
    ) -> Failure | None:
        token = bout.token
        return create_failure(
            observed,
            ExpectedCreate(
                owner=escrow.owner_address,
                destination=escrow.destination_address,
                amount_drops=escrow.amount_drops,
                amount_token=None if token is None else _token_amount(escrow, token),
                finish_after=escrow.finish_after_ripple,
                cancel_after=escrow.cancel_after_ripple,
                condition_hex=escrow.condition_hex,
            ),
        )

    async def settle(
        self,
        tx: Tx,
        bout: BoutRow,
        escrow: EscrowRow,
        claimed: LedgerTx,
        observed: LedgerTx,
        actor: Actor,
    ) -> dict[str, Any]:
        """planned → created; the fourth moves the bout to escrows_created."""
        assert observed.sequence is not None
        escrow.offer_sequence = observed.sequence
        escrow.create_tx_hash = claimed.tx_hash
        escrow.create_ledger_index = observed.ledger_index  # the watch searches from there
        escrow.failure_code = escrow.failure_reason = None
        queries.record_move(tx, escrow, tx_hash=claimed.tx_hash, move="create")
        lifecycle.move_escrow(
            tx,
            bout=bout,
            escrow=escrow,
            to=EscrowStatus.CREATED,
            actor=actor,
            action=CONFIRM,
            details={"tx_hash": claimed.tx_hash, "offer_sequence": observed.sequence},
        )
        if all(item.status == EscrowStatus.CREATED for item in bout.escrows):
            lifecycle.move_bout(
                tx, bout=bout, to=BoutStatus.ESCROWS_CREATED, actor=actor, action=CONFIRM
            )
        return {
            "bout_id": str(bout.id),
            "escrow_id": str(escrow.id),
            "escrow_kind": escrow.kind.value,
            "escrow_status": "created",
            "bout_status": bout.status.value,
            "tx_hash": claimed.tx_hash,
            "offer_sequence": observed.sequence,
        }


def _token_amount(escrow: EscrowRow, token: Token) -> TokenAmount:
    assert escrow.amount_value is not None
    return TokenAmount(token.currency, token.issuer, plain(escrow.amount_value))


def _signed_pending(planned: list[EscrowRow], requests: list[AttemptRow]) -> list[EscrowRow]:
    """The planned escrows whose EscrowCreate was signed and not found rejected since."""
    signed_escrows = {
        attempt.escrow_id
        for attempt in requests
        if attempt.phase == SigningPhase.ESCROW_CREATE and attempt.status == SigningStatus.SIGNED
    }
    return [
        escrow
        for escrow in planned
        if escrow.id in signed_escrows and escrow.failure_code != FailureCode.LEDGER_TEC_TEM.value
    ]


async def prepare(
    tx: Tx,
    *,
    bout_id: uuid.UUID,
    actor: Actor,
    signing: SigningService,
    settings: Settings,
    ledger: Ledger,
) -> dict[str, Any]:
    """Unsigned EscrowCreates and sign requests for every escrow still planned; for a token
    bout in rpc mode, only once the ledger's checks pass (before any sign request exists), and
    the issuer's transfer rate is recorded with them."""
    rate = await _token_rate(tx, bout_id, ledger)
    bout, items = await phases.prepare(
        tx, EscrowCreation(settings), bout_id=bout_id, actor=actor, signing=signing
    )
    if rate is not None and rate != bout.transfer_rate:
        bout.transfer_rate = rate  # under the bout's lock, taken by the prepare
        queries.save_bout(tx, bout)
    return {"bout_id": bout.id, "escrows": items}


async def _token_rate(tx: Tx, bout_id: uuid.UUID, ledger: Ledger) -> int | None:
    """The ledger's checks of a draft token bout (rpc mode); the issuer's rate."""
    if ledger.mode != "rpc":
        return None
    bout = await queries.load_bout(tx.conn, bout_id)
    if bout is None or bout.token is None or bout.status != BoutStatus.DRAFT:
        return None  # the prepare itself says why it cannot go on
    return await checks.issuer_rate(ledger, bout)


def claimed_create(request: EscrowConfirmRequest) -> LedgerTx:
    """The request's evidence in the ledger's shape (the stub ledger's answer)."""
    return LedgerTx(
        tx_hash=request.tx_hash.upper(),
        validated=request.validated,
        engine_result=request.engine_result,
        account=request.owner_address,
        destination=request.destination_address,
        amount_drops=request.amount_drops,
        amount_token=(
            None
            if request.amount is None
            else TokenAmount(request.amount.currency, request.amount.issuer, request.amount.value)
        ),
        finish_after=request.finish_after_ripple,
        cancel_after=request.cancel_after_ripple,
        condition_hex=request.condition_hex,
        sequence=request.offer_sequence,
    )


async def confirm(
    tx: Tx,
    *,
    bout_id: uuid.UUID,
    request: EscrowConfirmRequest,
    actor: Actor,
    ledger: LedgerVerifier,
    settings: Settings,
) -> dict[str, Any]:
    """Move one escrow planned → created on validated evidence (and the bout, with the 4th)."""
    claimed = claimed_create(request)
    return await phases.confirm(
        tx,
        EscrowCreation(settings),
        bout_id=bout_id,
        kind=request.escrow_kind.value,
        claimed=claimed,
        # The request names no transaction type: the route implies it. That is what the stub
        # ledger answers; it is not a claim of the client's to check against a real ledger.
        sent_claim=replace(claimed, transaction_type="EscrowCreate"),
        ledger=ledger,
        actor=actor,
    )
