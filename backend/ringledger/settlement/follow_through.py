"""The follow-through (`XRPL_MODE=rpc`): a signed request's transaction confirmed by the service.

The promoter's browser is not a reliable messenger. Once a sign request is recorded `signed`
with a transaction hash (by the webhook, the reconcile route or the worker's poll), the worker
reads that transaction from its node and, once it is validated, applies exactly the confirm the
promoter would have sent — the same checks, failure codes and bout lock — as the system, under
an Idempotency-Key derived from the hash: two workers, a retry, or a promoter confirming the same
transaction at the same moment move the escrow once. A fighter's claim is recorded as a close
found on the ledger (`observed`). A transaction still unknown to the node (or not validated)
RINGLEDGER_FOLLOW_THROUGH_GIVE_UP after it was signed is recorded as `confirmation_timeout`, as
a promoter's confirm would record it, and left to the operator.

Signed requests are leased a batch at a time (`core.leases`): no row lock is held while the node
is asked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import orjson

from ringledger.audit import service as audit
from ringledger.audit.service import Actor
from ringledger.bouts import queries as bout_queries
from ringledger.core.config import Settings
from ringledger.core.db import Database
from ringledger.core.errors import RingLedgerError
from ringledger.core.leases import Lease
from ringledger.core.metrics import FOLLOWED
from ringledger.core.timeutil import utcnow
from ringledger.idempotency.service import ESCROW_CONFIRM, PAYOUT_CONFIRM, Outcome, run_once
from ringledger.ledger.interface import LedgerTx, LedgerUnavailable, LedgerVerifier
from ringledger.settlement import observed as observed_close
from ringledger.settlement import phases
from ringledger.settlement import queries as settlement_queries
from ringledger.settlement.creation import EscrowCreation
from ringledger.settlement.payouts import Payouts
from ringledger.signing import queries as signing_queries
from ringledger.signing.models import SigningPhase
from ringledger.signing.queries import AttemptRow

log = logging.getLogger(__name__)
# The Idempotency-Key of the confirm the follow-through makes: "ledger-" and the hash.
KEY_PREFIX = "ledger-"
CLAIM_ACTION = "escrow.claim_follow_through"


@dataclass
class FollowTally:
    """What one follow-through pass did."""

    followed: int = 0  # signed requests finished with, however
    recorded: int = 0  # escrows moved by them
    waiting: int = 0  # transactions not validated yet, tried again on a later pass
    unchecked: list[str] = field(default_factory=list)  # the node could not be asked


async def run(
    database: Database,
    ledger: LedgerVerifier,
    settings: Settings,
    *,
    lease: Lease,
    batch_size: int = 10,
    stopping: Callable[[], bool] = lambda: False,
) -> FollowTally:
    """Follow every signed request not finished with yet, oldest signature first."""
    tally = FollowTally()
    async with database.transaction() as tx:
        for phase in await settlement_queries.follow_recorded(tx.conn):
            FOLLOWED.labels(phase, "already_recorded").inc()
            tally.followed += 1
    cursor = signing_queries.FIRST
    while not stopping():
        async with database.transaction() as tx:
            batch = await signing_queries.claim_unfollowed(
                tx.conn, owner=lease.owner, lease=lease.duration, after=cursor, limit=batch_size
            )
        if not batch:
            break
        last = batch[-1]
        cursor = (last.signed_at or signing_queries.FIRST[0], last.id)
        for position, attempt in enumerate(batch):
            if stopping():
                await give_back(database, batch[position:], lease)
                return tally
            await follow_one(database, ledger, settings, attempt, lease=lease, tally=tally)
    return tally


async def follow_one(
    database: Database,
    ledger: LedgerVerifier,
    settings: Settings,
    attempt: AttemptRow,
    *,
    lease: Lease,
    tally: FollowTally,
) -> None:
    """Read the signed transaction; record what it did, or leave it for a later pass."""
    assert attempt.tx_hash is not None, "a signed request carries its transaction hash"
    async with database.unit() as unit:
        recorded = await bout_queries.move_recorded(unit.conn, attempt.tx_hash)
    if recorded:
        # Its move is in the records already (the promoter's confirm was first): nothing to
        # ask the node.
        await _followed(database, attempt, "already_recorded", tally)
        return
    try:
        observed = await ledger.fetch(
            tx_hash=attempt.tx_hash, claimed=LedgerTx(tx_hash=attempt.tx_hash, validated=None)
        )
    except LedgerUnavailable as error:
        tally.unchecked.append(f"{attempt.payload_id}: {error.detail}")
        await give_back(database, [attempt], lease)
        return
    if _pending(observed) and not _given_up(attempt, settings, now=utcnow()):
        tally.waiting += 1
        await give_back(database, [attempt], lease)
        return
    try:
        if attempt.phase == SigningPhase.CLAIM:
            outcome = await _record_claim(database, attempt, observed)
        else:
            outcome = await _confirm(database, settings, attempt, observed)
    except RingLedgerError as error:  # busy, a race caught by a constraint: try again later
        log.warning("follow-through of %s left for later: %s", attempt.payload_id, error.detail)
        await give_back(database, [attempt], lease)
        return
    await _followed(database, attempt, outcome, tally)


async def _followed(
    database: Database, attempt: AttemptRow, outcome: str, tally: FollowTally
) -> None:
    async with database.transaction() as tx:
        await signing_queries.mark_followed(tx.conn, attempt_id=attempt.id, outcome=outcome)
    FOLLOWED.labels(attempt.phase.value, outcome).inc()
    tally.followed += 1
    tally.recorded += outcome == "recorded"
    log.info("follow-through of %s (%s): %s", attempt.payload_id, attempt.tx_hash, outcome)


def _pending(observed: LedgerTx) -> bool:
    return not observed.found or not observed.validated


def _given_up(attempt: AttemptRow, settings: Settings, *, now: datetime) -> bool:
    signed_at = attempt.signed_at or attempt.updated_at
    return now - signed_at >= settings.RINGLEDGER_FOLLOW_THROUGH_GIVE_UP


async def _confirm(
    database: Database, settings: Settings, attempt: AttemptRow, observed: LedgerTx
) -> str:
    """The promoter's confirm, made by the service: once per transaction, whoever else tries."""
    creating = attempt.phase == SigningPhase.ESCROW_CREATE
    rules = EscrowCreation(settings) if creating else Payouts(settings)
    tx_hash = observed.tx_hash
    async with database.unit() as unit:
        outcome, _ = await run_once(
            unit,
            operation=ESCROW_CONFIRM if creating else PAYOUT_CONFIRM,
            bout_id=attempt.bout_id,
            key=KEY_PREFIX + tx_hash,
            request={"tx_hash": tx_hash},
            stored=None,
            execute=lambda tx: phases.follow(
                tx,
                rules,
                bout_id=attempt.bout_id,
                escrow_id=attempt.escrow_id,
                observed=observed,
                actor=Actor.system(),
            ),
        )
    return _outcome_name(outcome)


def _outcome_name(outcome: Outcome) -> str:
    """`recorded`, `already_recorded`, or the code of the refusal or failure stored."""
    body = orjson.loads(outcome.body)
    if outcome.status == 200:
        return str(body.get("result") or "recorded")
    return str(body.get("failure_code") or body.get("code") or outcome.status)


async def _record_claim(database: Database, attempt: AttemptRow, observed: LedgerTx) -> str:
    """A fighter's claim is a close found on the ledger; one that did not close the escrow is
    an audit row of the claim's own (the escrow belongs to the promoter's flow)."""
    reason: str | None
    async with database.transaction() as tx:
        if _pending(observed):
            found = "confirmation_timeout"
            reason = "the claim's transaction was not validated in time"
        else:
            recorded = await observed_close.record_observed(
                tx,
                bout_id=attempt.bout_id,
                escrow_id=attempt.escrow_id,
                observed=observed,
                details={"payload_id": attempt.payload_id},
            )
            found, reason = recorded.found.value, recorded.reason
            if recorded.found in (observed_close.Found.RECORDED, observed_close.Found.ALREADY):
                return found
        audit.record(
            tx,
            actor=Actor.system(),
            action=CLAIM_ACTION,
            entity_type="signing_attempt",
            entity_id=attempt.id,
            bout_id=attempt.bout_id,
            outcome=found,
            details={
                "payload_id": attempt.payload_id,
                "tx_hash": attempt.tx_hash,
                "reason": reason,
            },
        )
    return found


async def give_back(database: Database, attempts: list[AttemptRow], lease: Lease) -> None:
    """Release the leases of signed requests this worker leaves for a later pass."""
    async with database.transaction() as tx:
        await signing_queries.release(
            tx.conn, attempt_ids=[attempt.id for attempt in attempts], owner=lease.owner
        )
