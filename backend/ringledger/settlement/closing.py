"""Recording an escrow's close — a finish or a cancel, whoever sent it to the ledger — and what it
does to the bout.

Every close goes through `record_close`: the payout confirm (the promoter's evidence, or the
follow-through of the promoter's signed request), and a close found on the ledger (the watch,
`ringledger ledger-check --apply`, the follow-through of a fighter's claim). A close the outcome
does not allow has still happened — the money moved — so it is recorded as the ledger shows it,
never silently: the audit row's outcome is `anomaly` with the reason, the log line is at error
level, `ringledger_ledger_anomalies_total` counts it, and the escrow keeps the reason, which the
bout view lists.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from ringledger.audit.service import Actor
from ringledger.bouts import amounts, lifecycle, queries
from ringledger.bouts.models import BoutStatus, EscrowStatus
from ringledger.bouts.outcomes import SETTLED, plan_for, statuses_of
from ringledger.bouts.records import BoutRow, EscrowRow
from ringledger.core.db import Tx
from ringledger.core.metrics import ANOMALIES
from ringledger.ledger.evidence import PayoutAction
from ringledger.ledger.interface import TokenDelta

log = logging.getLogger(__name__)
_PAST = {PayoutAction.FINISH: "finished", PayoutAction.CANCEL: "cancelled"}


@dataclass(frozen=True)
class Close:
    """A validated finish or cancel of one escrow, as the ledger shows it."""

    action: PayoutAction
    tx_hash: str
    closed_by: str | None  # the submitting account (rpc mode), else None
    # The trust-line changes of the transaction's metadata (rpc mode): a token escrow's close
    # says there what arrived, after the issuer's fee.
    moved: tuple[TokenDelta, ...] = ()


def anomaly_of(bout: BoutRow, escrow: EscrowRow, action: PayoutAction) -> str | None:
    """Why the lifecycle would not have allowed this close, or None when it would have.

    A show finished before the result is a normal settlement (shows are paid whatever the
    outcome); any bonus move before the result, a show cancelled back to the promoter, and a
    bonus moved the other way than the outcome says are not.
    """
    if bout.outcome is None:
        if not escrow.kind.is_bonus and action is PayoutAction.FINISH:
            return None
        if action is PayoutAction.FINISH:
            return (
                f"the {escrow.kind.value} escrow was finished before any result was entered: "
                "its preimage has been revealed outside the service"
            )
        return (
            f"the {escrow.kind.value} escrow was cancelled back to the promoter before any "
            "result was entered"
        )
    expected = plan_for(bout.outcome).action(escrow.kind)
    if action is expected:
        return None
    return (
        f"the outcome {bout.outcome.value} says the {escrow.kind.value} escrow is "
        f"{_PAST[expected]}; the ledger shows it {_PAST[action]}"
    )


def record_close(
    tx: Tx,
    *,
    bout: BoutRow,
    escrow: EscrowRow,
    close: Close,
    actor: Actor,
    action: str,
    details: dict[str, Any] | None = None,
) -> str | None:
    """Move the escrow as the ledger shows it (with the bout locked), then the bout after it;
    return the anomaly's reason, if the outcome did not allow the close."""
    anomaly = anomaly_of(bout, escrow, close.action)
    escrow.close_tx_hash = close.tx_hash
    escrow.closed_by_address = close.closed_by
    escrow.delivered_value = amounts.received(bout.token, _receiver(escrow, close), close.moved)
    escrow.failure_code = escrow.failure_reason = None
    facts: dict[str, Any] = {"tx_hash": close.tx_hash, "action": close.action.value}
    facts.update(details or {})
    if anomaly is not None:
        escrow.anomaly_reason, escrow.anomaly_at = anomaly[:500], tx.now
        facts["reason"] = anomaly
        ANOMALIES.labels(escrow.kind.value).inc()
        log.error(
            "ledger anomaly on bout %s (%s, transaction %s): %s",
            bout.id,
            escrow.kind.value,
            close.tx_hash,
            anomaly,
        )
    queries.record_move(tx, escrow, tx_hash=close.tx_hash, move=close.action.value)
    cancelled = close.action is PayoutAction.CANCEL
    target = EscrowStatus.CANCELLED if cancelled else EscrowStatus.FINISHED
    lifecycle.move_escrow(
        tx,
        bout=bout,
        escrow=escrow,
        to=target,
        actor=actor,
        action=action,
        details=facts,
        outcome="applied" if anomaly is None else "anomaly",
    )
    advance(tx, bout=bout, actor=actor, action=action)
    return anomaly


def _receiver(escrow: EscrowRow, close: Close) -> str:
    """Who the close paid: the destination for a finish, the owner for a cancel."""
    if close.action is PayoutAction.FINISH:
        return escrow.destination_address
    return escrow.owner_address


def advance(tx: Tx, *, bout: BoutRow, actor: Actor, action: str) -> None:
    """A bout with a result follows its escrows: `payouts_in_progress` once one of them is
    settled, `closed` once every escrow its outcome pays out is settled."""
    if bout.outcome is None:
        return
    statuses = statuses_of(bout.escrows)
    if bout.status == BoutStatus.RESULT_ENTERED and SETTLED & set(statuses.values()):
        lifecycle.move_bout(
            tx, bout=bout, to=BoutStatus.PAYOUTS_IN_PROGRESS, actor=actor, action=action
        )
    if bout.status == BoutStatus.PAYOUTS_IN_PROGRESS and plan_for(bout.outcome).closes(statuses):
        lifecycle.move_bout(tx, bout=bout, to=BoutStatus.CLOSED, actor=actor, action=action)
