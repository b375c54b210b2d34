"""Judging the ledger evidence of a confirm, and recording a failure where it belongs."""

from __future__ import annotations

from ringledger.audit import service as audit
from ringledger.audit.service import Actor
from ringledger.bouts import queries
from ringledger.bouts.records import BoutRow, EscrowRow
from ringledger.core.db import Tx
from ringledger.core.errors import Unprocessable
from ringledger.core.metrics import FAILURES
from ringledger.ledger import evidence
from ringledger.ledger.evidence import Failure, FailureCode
from ringledger.ledger.interface import LedgerTx

HASH_REUSED = Failure(
    FailureCode.INVALID_CONFIRMATION, "This transaction already confirmed another escrow."
)


class ConfirmFailed(Unprocessable):
    """A deterministic confirm failure: 422 with the failure code; the record of it is kept."""

    keep_changes = True

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.reason, code=failure.code.value, failure_code=failure.code.value)


def record_failure(
    tx: Tx,
    *,
    bout: BoutRow,
    escrow: EscrowRow,
    failure: Failure,
    actor: Actor,
    action: str,
    tx_hash: str,
) -> ConfirmFailed:
    """Store the failure on the escrow and in the audit trail; return the 422 to raise."""
    escrow.failure_code = failure.code.value
    escrow.failure_reason = failure.reason[:500]
    queries.save_escrow(tx, escrow)
    FAILURES.labels(failure.code.value).inc()
    audit.record(
        tx,
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


def first_failure(
    *, claimed: LedgerTx, observed: LedgerTx, mismatch: Failure | None, hash_used: bool
) -> Failure | None:
    """The first thing wrong with the evidence, in the taxonomy's order: the result class, a
    claim the ledger contradicts, a field that differs from what was prepared (`mismatch`), a
    transaction already used by another escrow move."""
    return (
        evidence.result_failure(observed)
        or evidence.disagreements(claimed, observed)
        or mismatch
        or (HASH_REUSED if hash_used else None)
    )
