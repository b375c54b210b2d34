"""A close found on the ledger, recorded as the ledger shows it.

Anyone may finish an escrow once FinishAfter has passed and cancel one once CancelAfter has:
the fighter claiming their show purse, the promoter from another wallet, a stranger. The watch,
`ringledger ledger-check --apply` and the follow-through of a fighter's claim find such a
validated EscrowFinish or EscrowCancel and record it here, as the system, with the audit action
`escrow.observed_on_ledger`: the same checks as a payout confirm on what makes the transaction
this escrow's close (a tesSUCCESS in a validated ledger, the type, Owner and OfferSequence), and
then the move the ledger made, whatever the outcome allowed (`closing`).
"""

from __future__ import annotations

import enum
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from ringledger.audit.service import Actor
from ringledger.bouts import queries
from ringledger.bouts.errors import BoutNotFound
from ringledger.bouts.models import EscrowStatus
from ringledger.core.db import Tx
from ringledger.ledger import evidence
from ringledger.ledger.evidence import PayoutAction
from ringledger.ledger.interface import LedgerTx
from ringledger.settlement import closing
from ringledger.settlement.closing import Close

log = logging.getLogger(__name__)
ACTION = "escrow.observed_on_ledger"


class Found(enum.StrEnum):
    RECORDED = "recorded"  # the move is recorded now
    ALREADY = "already_recorded"  # this transaction's move was recorded before
    NOT_ITS_CLOSE = "not_its_close"  # not a validated tesSUCCESS close of this escrow
    CONTRADICTED = "contradicted"  # the records say the escrow ended otherwise


@dataclass(frozen=True)
class Recorded:
    found: Found
    reason: str | None = None  # why it was not recorded, or the anomaly it was recorded with


async def record_observed(
    tx: Tx,
    *,
    bout_id: uuid.UUID,
    escrow_id: uuid.UUID,
    observed: LedgerTx,
    details: dict[str, Any] | None = None,
) -> Recorded:
    """Record the close `observed` of the escrow, under its bout's lock."""
    locked = await queries.lock_bout(tx, bout_id, tx_hash=observed.tx_hash)
    if locked is None:
        raise BoutNotFound("No such bout.")
    bout = locked.bout
    escrow = bout.escrow_by_id(escrow_id)
    if (escrow.close_tx_hash or "").upper() == observed.tx_hash.upper():
        return Recorded(Found.ALREADY)
    failure = evidence.result_failure(observed) or evidence.close_failure(
        observed, owner=escrow.owner_address, offer_sequence=escrow.offer_sequence
    )
    if failure is not None:
        return Recorded(Found.NOT_ITS_CLOSE, failure.reason)
    if escrow.status != EscrowStatus.CREATED or locked.hash_used:
        # The ledger closes an escrow once, with one transaction: records that say otherwise
        # are wrong somewhere, and an operator must look.
        reason = (
            f"the ledger shows transaction {observed.tx_hash} closing the {escrow.kind.value} "
            f"escrow, which is recorded {escrow.status.value}"
            + (" and that transaction as another escrow's move" if locked.hash_used else "")
        )
        log.error("bout %s: %s", bout.id, reason)
        return Recorded(Found.CONTRADICTED, reason)
    action = (
        PayoutAction.FINISH if observed.transaction_type == "EscrowFinish" else PayoutAction.CANCEL
    )
    anomaly = closing.record_close(
        tx,
        bout=bout,
        escrow=escrow,
        close=Close(
            action=action,
            tx_hash=observed.tx_hash,
            closed_by=observed.account,
            moved=observed.token_deltas,
        ),
        actor=Actor.system(),
        action=ACTION,
        details={
            "transaction_type": observed.transaction_type,
            "submitted_by": observed.account,
            **(details or {}),
        },
    )
    return Recorded(Found.RECORDED, anomaly)
