"""What both confirms share: the idempotent envelope, the bout lock, and failure recording."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel
from sqlalchemy import or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from ringledger.audit import service as audit
from ringledger.audit.service import Actor
from ringledger.bouts.errors import BoutNotFound
from ringledger.bouts.models import Bout, Escrow
from ringledger.core.context import add_log_fields
from ringledger.core.errors import RingLedgerError, Unprocessable
from ringledger.core.metrics import FAILURES
from ringledger.idempotency import service as idempotency
from ringledger.idempotency.service import Outcome
from ringledger.ledger import evidence
from ringledger.ledger.evidence import Failure, FailureCode
from ringledger.ledger.interface import LedgerTx


class ConfirmFailed(Unprocessable):
    """A deterministic confirm failure: 422 with the failure code; the record of it is kept."""

    keep_changes = True

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.reason, code=failure.code.value, failure_code=failure.code.value)


def _dump(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


async def idempotent(
    session: AsyncSession,
    *,
    operation: str,
    bout_id: uuid.UUID,
    key: str,
    request: BaseModel,
    execute: Callable[[], Awaitable[dict[str, Any]]],
) -> tuple[Outcome, bool]:
    """Run `execute` once per key; store its outcome with its effects; replay it afterwards.

    Returns the outcome and whether it is a replay. Expected rejections (409 state conflict,
    422 failure) are outcomes too; anything else (a 502, a crash) stores nothing.
    """
    digest = idempotency.request_hash(request.model_dump(mode="json"))
    claim = await idempotency.claim(
        session, operation=operation, bout_id=bout_id, key=key, digest=digest
    )
    if claim.stored is not None:
        add_log_fields(idempotent_replay="true")
        return claim.stored, True
    assert claim.record_id is not None
    try:
        outcome = Outcome(200, _dump(await execute()))
    except RingLedgerError as error:
        if not error.keep_changes:
            raise
        if error.status >= 500:
            # A fault of the server's own: its audit row is kept, the key is not spent, so the
            # same request succeeds once the fault is mended.
            await idempotency.release(session, record_id=claim.record_id)
            raise
        add_log_fields(error_code=error.code, failure_code=error.extra.get("failure_code"))
        outcome = Outcome(error.status, _dump(error.body()))
    await idempotency.store(session, record_id=claim.record_id, outcome=outcome)
    return outcome, False


async def lock_bout(session: AsyncSession, bout_id: uuid.UUID) -> Bout:
    """SELECT … FOR UPDATE: every confirm and result entry of a bout runs one at a time."""
    # The escrows must be read by a statement that starts after the lock is granted: rows joined
    # into the locking statement would come from the snapshot taken before it waited (READ
    # COMMITTED re-checks only the locked row), so a concurrent confirm's escrow would look
    # unchanged. The default selectin load is that second statement.
    return await _load_bout(session, bout_id, for_update=True)


async def hold_signing_lock(session: AsyncSession, bout_id: uuid.UUID) -> Bout:
    """Serialize the requests that issue or withdraw a bout's sign requests; the bout, re-read.

    Prepares and the withdrawal of a bout take this transaction-scoped advisory lock (bounded by
    the lock timeout), not the bout row, so confirms are never held up by a slow Xaman. Without
    it, two overlapping prepares would each withdraw the other's fresh sign requests as "older",
    and a prepare could issue sign requests for a bout withdrawn a moment earlier. The bout is
    read again after the lock is granted, so its status is the one that counts.
    """
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
        {"key": f"prepare:{bout_id}"},
    )
    return await _load_bout(session, bout_id, for_update=False)


async def _load_bout(session: AsyncSession, bout_id: uuid.UUID, *, for_update: bool) -> Bout:
    query = select(Bout).where(Bout.id == bout_id).execution_options(populate_existing=True)
    bout = await session.scalar(query.with_for_update() if for_update else query)
    if bout is None:
        raise BoutNotFound("No such bout.")
    return bout


async def hash_reused(session: AsyncSession, *, escrow: Escrow, tx_hash: str) -> Failure | None:
    """One ledger transaction settles one escrow move; a second use is not evidence."""
    other = await session.scalar(
        select(Escrow.id).where(
            or_(Escrow.create_tx_hash == tx_hash, Escrow.close_tx_hash == tx_hash),
            Escrow.id != escrow.id,
        )
    )
    if other is None:
        return None
    return Failure(
        FailureCode.INVALID_CONFIRMATION, "This transaction already confirmed another escrow."
    )


async def record_failure(
    session: AsyncSession,
    *,
    bout: Bout,
    escrow: Escrow,
    failure: Failure,
    actor: Actor,
    action: str,
    tx_hash: str,
) -> ConfirmFailed:
    """Store the failure on the escrow and in the audit trail; return the 422 to raise."""
    escrow.failure_code = failure.code.value
    escrow.failure_reason = failure.reason[:500]
    FAILURES.labels(failure.code.value).inc()
    await audit.record(
        session,
        actor=actor,
        action=action,
        entity_type="escrow",
        entity_id=escrow.id,
        bout_id=bout.id,
        outcome="rejected",
        failure_code=failure.code.value,
        details={
            "escrow_kind": escrow.kind.value,
            "escrow_status": escrow.status.value,
            "bout_status": bout.status.value,
            "tx_hash": tx_hash,
            "reason": failure.reason,
        },
    )
    return ConfirmFailed(failure)


async def refuse_bad_evidence(
    session: AsyncSession,
    *,
    bout: Bout,
    escrow: Escrow,
    claimed: LedgerTx,
    observed: LedgerTx,
    mismatch: Failure | None,
    actor: Actor,
    action: str,
) -> None:
    """Raise the recorded 422 for the first thing wrong with the evidence, in the taxonomy's
    order: the result class, a claim the ledger contradicts, a field that differs from what was
    prepared (`mismatch`), a transaction already used by another escrow."""
    failure = (
        evidence.result_failure(observed)
        or evidence.disagreements(claimed, observed)
        or mismatch
        or await hash_reused(session, escrow=escrow, tx_hash=claimed.tx_hash)
    )
    if failure is not None:
        raise await record_failure(
            session,
            bout=bout,
            escrow=escrow,
            failure=failure,
            actor=actor,
            action=action,
            tx_hash=claimed.tx_hash,
        )


async def observe(ledger: Any, *, claimed: LedgerTx) -> LedgerTx:
    """Ask the ledger (or, in stub mode, take the claim) for the transaction."""
    observed: LedgerTx = await ledger.fetch(tx_hash=claimed.tx_hash, claimed=claimed)
    return observed
