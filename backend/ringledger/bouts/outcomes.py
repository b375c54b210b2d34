"""What each outcome does with the four escrows, and when the bout closes: one table.

A show escrow has no CancelAfter, so once created it can only ever be finished to its fighter:
shows are paid whatever the outcome. A bonus is finished (with the platform's fulfillment) only
for a winner; every other bonus is cancelled back to the promoter after CancelAfter, and its
preimage is never revealed. The bout closes when every escrow the outcome pays out is settled;
the cancels (refunds) may still be confirmed after that.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ringledger.bouts.models import EscrowKind, EscrowStatus, Outcome
from ringledger.bouts.records import BoutRow, EscrowRow
from ringledger.ledger.evidence import PayoutAction

FINISH, CANCEL = PayoutAction.FINISH, PayoutAction.CANCEL
SETTLED = frozenset({EscrowStatus.FINISHED, EscrowStatus.CANCELLED})


@dataclass(frozen=True)
class PayoutPlan:
    """The action the ledger must take on each escrow under one outcome."""

    actions: Mapping[EscrowKind, PayoutAction]

    def action(self, kind: EscrowKind) -> PayoutAction:
        return self.actions[kind]

    def reveals(self, kind: EscrowKind) -> bool:
        """True only for a winner's bonus: the one escrow whose fulfillment is ever revealed."""
        return kind.is_bonus and self.actions[kind] is FINISH

    @property
    def paid_out(self) -> frozenset[EscrowKind]:
        """The escrows that must be finished before the bout closes."""
        return frozenset(kind for kind, action in self.actions.items() if action is FINISH)

    @property
    def refunds(self) -> frozenset[EscrowKind]:
        """The bonuses that go back to the promoter (cancelled after CancelAfter)."""
        return frozenset(kind for kind, action in self.actions.items() if action is CANCEL)

    def closes(self, statuses: Mapping[EscrowKind, EscrowStatus]) -> bool:
        """Every escrow the outcome pays out is settled, however it was (a close the outcome
        did not allow is an anomaly, but the money has moved all the same)."""
        return all(statuses[kind] in SETTLED for kind in self.paid_out)

    def refund_pending(self, statuses: Mapping[EscrowKind, EscrowStatus]) -> bool:
        return any(statuses[kind] == EscrowStatus.CREATED for kind in self.refunds)


def _plan(winner_bonus: EscrowKind | None) -> PayoutPlan:
    actions = {EscrowKind.SHOW_A: FINISH, EscrowKind.SHOW_B: FINISH}
    for bonus in (EscrowKind.BONUS_A, EscrowKind.BONUS_B):
        actions[bonus] = FINISH if bonus == winner_bonus else CANCEL
    return PayoutPlan(actions)


PLANS: Mapping[Outcome, PayoutPlan] = {
    Outcome.WIN_A: _plan(EscrowKind.BONUS_A),
    Outcome.WIN_B: _plan(EscrowKind.BONUS_B),
    Outcome.DRAW: _plan(None),
    Outcome.NO_CONTEST: _plan(None),
}


def plan_for(outcome: Outcome) -> PayoutPlan:
    return PLANS[outcome]


def statuses_of(escrows: Iterable[EscrowRow]) -> dict[EscrowKind, EscrowStatus]:
    """`{kind: status}` of a bout's escrows."""
    return {escrow.kind: escrow.status for escrow in escrows}


def refund_pending(bout: BoutRow) -> bool:
    """A bonus the outcome returns to the promoter is still locked, waiting for CancelAfter."""
    if bout.outcome is None:
        return False
    return plan_for(bout.outcome).refund_pending(statuses_of(bout.escrows))
