"""The one prepare and the one confirm that both phases (escrow creation, payouts) run.

Both phases have the same shape: prepare issues a sign request per escrow the phase can act on,
confirm moves one escrow on validated ledger evidence. What differs — which state allows it,
what transaction each escrow gets, what the ledger must show, what moves — is the phase's
`Rules`; the order of the steps, the locks and the failure recording are written once, here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

from ringledger.audit import service as audit
from ringledger.audit.service import Actor
from ringledger.bouts import lifecycle, queries
from ringledger.bouts.errors import BoutNotFound
from ringledger.bouts.records import BoutRow, EscrowRow
from ringledger.core.db import Tx
from ringledger.ledger.evidence import Failure
from ringledger.ledger.interface import LedgerTx, LedgerVerifier
from ringledger.settlement import signing_outcomes
from ringledger.settlement.evidence_checks import first_failure, record_failure
from ringledger.signing import queries as signing_queries
from ringledger.signing import service as signing_service
from ringledger.signing.interface import (
    PayloadOutcome,
    SigningService,
    SigningUnavailable,
)
from ringledger.signing.models import SigningPhase
from ringledger.signing.queries import AttemptRow
from ringledger.signing.service import Draft, Issued


@dataclass(frozen=True)
class Prepared:
    """One escrow's transaction to sign, and what the answer says about it beyond that."""

    escrow: EscrowRow
    draft: Draft
    extra: dict[str, Any] = field(default_factory=dict)


class Preparing(Protocol):
    """What a prepare decides: which state allows it, what each escrow gets to sign."""

    signing_phase: SigningPhase
    prepare_action: str

    def prepare_refusal(self, bout: BoutRow) -> str | None:
        """Why the bout's state allows no prepare now (a 409), or None."""
        ...

    async def prepared(
        self, tx: Tx, bout: BoutRow, actor: Actor, requests: list[AttemptRow]
    ) -> list[Prepared]:
        """The transactions to sign; may refuse (422 too late, 409 nothing left to sign).
        `requests`: the bout's sign requests still open or recorded signed."""
        ...

    def expire_minutes(self, bout: BoutRow) -> int: ...


class Rules(Preparing, Protocol):
    """What one phase decides; the steps around it are `prepare` and `confirm` below."""

    confirm_action: str

    def confirm_refusal(self, bout: BoutRow, escrow: EscrowRow) -> str | None:
        """Why the states allow no confirm of this escrow now (a 409), or None."""
        ...

    async def mismatch(
        self, tx: Tx, bout: BoutRow, escrow: EscrowRow, observed: LedgerTx, actor: Actor
    ) -> Failure | None:
        """What the validated transaction gets wrong against what was prepared, if anything."""
        ...

    async def settle(
        self,
        tx: Tx,
        bout: BoutRow,
        escrow: EscrowRow,
        claimed: LedgerTx,
        observed: LedgerTx,
        actor: Actor,
    ) -> dict[str, Any]:
        """Move the escrow (and the bout, when it is its turn); the confirm's answer."""
        ...


async def prepare(
    tx: Tx, rules: Preparing, *, bout_id: uuid.UUID, actor: Actor, signing: SigningService
) -> tuple[BoutRow, list[dict[str, Any]]]:
    """Sign requests for the escrows the phase can act on; the bout and the answer's items."""
    bout = await queries.load_bout_for_signing(tx, bout_id)
    if bout is None:
        raise BoutNotFound("No such bout.")
    refusal = rules.prepare_refusal(bout)
    if refusal is not None:
        raise lifecycle.reject(
            tx, bout=bout, actor=actor, action=rules.prepare_action, detail=refusal
        )
    earlier = await signing_queries.open_or_signed(tx.conn, bout_id=bout.id)
    prepared = await rules.prepared(tx, bout, actor, earlier)
    issued = await _issue_or_audit(
        tx,
        signing,
        bout=bout,
        drafts=[item.draft for item in prepared],
        expire=rules.expire_minutes(bout),
        actor=actor,
        action=rules.prepare_action,
    )
    superseding = await signing_service.supersede(
        signing,
        phase=rules.signing_phase,
        escrow_ids=[item.escrow.id for item in prepared],
        earlier=earlier,
    )
    held = superseding.held
    # The bout's rows were read without a row lock, and a request that held the signing lock
    # before us (a withdrawal), a confirm or a reconcile may have changed them since: check
    # again under the lock before storing anything.
    locked = await queries.lock_bout(tx, bout.id)
    if locked is None:
        raise BoutNotFound("No such bout.")
    bout = locked.bout
    # Withdrawn at the signing side whatever happens next: recorded as such in any case.
    await _record_superseded(tx, bout, superseding.withdrawn, actor)
    refusal = await _held_by_signer(tx, bout, held, actor) or _changed_since(rules, bout, prepared)
    if refusal is not None:
        await signing_service.withdraw_issued(signing, issued)
        raise lifecycle.reject(
            tx,
            bout=bout,
            actor=actor,
            action=rules.prepare_action,
            detail=refusal,
            details={"payload_ids": [attempt.payload_id for attempt, _ in held]} if held else None,
        )
    # The new requests are stored with the unit's audit rows, in one statement before commit.
    signing_service.record_attempts(
        tx, bout_id=bout.id, phase=rules.signing_phase, issued=issued, actor=actor
    )
    items = [
        {
            "escrow_id": item.escrow.id,
            "escrow_kind": item.escrow.kind.value,
            "unsigned_tx": item.draft.txjson,
            "xaman_sign_request": signing_service.sign_request_out(done.request),
            **item.extra,
        }
        for item, done in zip(prepared, issued, strict=True)
    ]
    return bout, items


async def _held_by_signer(
    tx: Tx, bout: BoutRow, held: list[tuple[AttemptRow, PayloadOutcome]], actor: Actor
) -> str | None:
    """Record what the signer did with the earlier requests they still hold; why that refuses
    the prepare (two signable requests for one escrow could both reach the ledger)."""
    if not held:
        return None
    for attempt, outcome in held:
        current, newest = await signing_queries.current(tx.conn, attempt.id)
        signing_outcomes.record_locked(tx, bout, current, newest, outcome, actor)
    return (
        "An earlier sign request of this bout is open in the signer's wallet, or was signed, "
        "and cannot be withdrawn: decline it there or let it expire (a signed one: reconcile "
        "it and confirm its transaction), then prepare again. The new requests were withdrawn."
    )


async def _record_superseded(
    tx: Tx, bout: BoutRow, withdrawn: list[AttemptRow], actor: Actor
) -> None:
    for attempt in withdrawn:
        current, newest = await signing_queries.current(tx.conn, attempt.id)
        kind = bout.escrow_by_id(current.escrow_id).kind.value
        signing_service.record_superseded(
            tx, attempt=current, newest=newest, escrow_kind=kind, actor=actor
        )


def _changed_since(rules: Preparing, bout: BoutRow, prepared: list[Prepared]) -> str | None:
    """Why the bout, as it is under its lock, no longer allows what was prepared, if it does not."""
    refusal = rules.prepare_refusal(bout)
    if refusal is None and all(
        bout.escrow_by_id(item.escrow.id).status == item.escrow.status for item in prepared
    ):
        return None
    why = refusal or "An escrow of the bout moved on."
    return f"{why} The bout changed while its sign requests were issued; they were withdrawn."


async def _issue_or_audit(
    tx: Tx,
    signing: SigningService,
    *,
    bout: BoutRow,
    drafts: list[Draft],
    expire: int,
    actor: Actor,
    action: str,
) -> list[Issued]:
    """Issue the sign requests; on a Xaman failure keep only an audit row and answer 502."""
    try:
        return await signing_service.issue(signing, drafts=drafts, expire_minutes=expire)
    except SigningUnavailable as error:
        audit.record(
            tx,
            actor=actor,
            action=action,
            entity_type="bout",
            entity_id=bout.id,
            bout_id=bout.id,
            outcome="xaman_unavailable",
            details={"reason": error.detail, "mode": signing.mode},
        )
        error.keep_changes = True
        raise


async def confirm(
    tx: Tx,
    rules: Rules,
    *,
    bout_id: uuid.UUID,
    kind: str,
    claimed: LedgerTx,
    sent_claim: LedgerTx,
    ledger: LedgerVerifier,
    actor: Actor,
) -> dict[str, Any]:
    """Move one escrow on validated evidence: the ledger is asked before the bout is locked (a
    slow node never holds the lock), the states and the evidence are judged under it."""
    observed = await ledger.fetch(tx_hash=claimed.tx_hash, claimed=sent_claim)
    locked = await _lock(tx, bout_id, claimed.tx_hash)
    escrow = next(item for item in locked.bout.escrows if item.kind.value == kind)
    return await judge(tx, rules, locked, escrow, claimed=claimed, observed=observed, actor=actor)


async def follow(
    tx: Tx,
    rules: Rules,
    *,
    bout_id: uuid.UUID,
    escrow_id: uuid.UUID,
    observed: LedgerTx,
    actor: Actor,
) -> dict[str, Any]:
    """The confirm the promoter would have sent for a transaction the service read from the
    node itself (the follow-through): the same checks and failures, and nothing recorded twice
    when the escrow already moved by this very transaction (a promoter's confirm was first)."""
    locked = await _lock(tx, bout_id, observed.tx_hash)
    escrow = locked.bout.escrow_by_id(escrow_id)
    if observed.tx_hash in (escrow.create_tx_hash, escrow.close_tx_hash):
        return {"result": ALREADY_RECORDED, "tx_hash": observed.tx_hash}
    claimed = LedgerTx(tx_hash=observed.tx_hash, validated=None)  # nothing claimed beyond it
    return await judge(tx, rules, locked, escrow, claimed=claimed, observed=observed, actor=actor)


ALREADY_RECORDED = "already_recorded"


async def _lock(tx: Tx, bout_id: uuid.UUID, tx_hash: str) -> queries.Locked:
    locked = await queries.lock_bout(tx, bout_id, tx_hash=tx_hash)
    if locked is None:
        raise BoutNotFound("No such bout.")
    return locked


async def judge(
    tx: Tx,
    rules: Rules,
    locked: queries.Locked,
    escrow: EscrowRow,
    *,
    claimed: LedgerTx,
    observed: LedgerTx,
    actor: Actor,
) -> dict[str, Any]:
    """With the bout locked: the states, then the evidence, then the move (or a recorded
    refusal or failure)."""
    bout = locked.bout
    refusal = rules.confirm_refusal(bout, escrow)
    if refusal is not None:
        raise lifecycle.reject(
            tx, bout=bout, entity=escrow, actor=actor, action=rules.confirm_action, detail=refusal
        )
    mismatch = await rules.mismatch(tx, bout, escrow, observed, actor)
    failure = first_failure(
        claimed=claimed, observed=observed, mismatch=mismatch, hash_used=locked.hash_used
    )
    if failure is not None:
        raise record_failure(
            tx,
            bout=bout,
            escrow=escrow,
            failure=failure,
            actor=actor,
            action=rules.confirm_action,
            tx_hash=claimed.tx_hash,
        )
    return await rules.settle(tx, bout, escrow, claimed, observed, actor)
