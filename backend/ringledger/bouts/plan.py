"""The rules a bout must satisfy before money is locked, and the four escrows it plans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from xrpl.utils import XRPLTimeRangeException

from ringledger.bouts.errors import PlanInvalid
from ringledger.bouts.models import MAX_TOTAL_DROPS, EscrowKind
from ringledger.core.models import UINT32_MAX
from ringledger.core.timeutil import to_ripple
from ringledger.core.xrpl_address import is_account_address

FINISH_AFTER_DELAY = timedelta(hours=2)
CANCEL_AFTER_DELAY = timedelta(days=7)
_OUT_OF_RANGE = "The event time is outside what the XRP Ledger can represent."


@dataclass(frozen=True)
class Schedule:
    event_at: datetime
    finish_after_at: datetime
    cancel_after_at: datetime
    finish_after_ripple: int
    cancel_after_ripple: int
    # A token bout's show escrows get a CancelAfter too (RINGLEDGER_TOKEN_SHOW_CANCEL_AFTER).
    show_cancel_after_ripple: int | None = None


@dataclass(frozen=True)
class PlannedEscrow:
    kind: EscrowKind
    destination: str
    amount_drops: int | None
    amount_value: Decimal | None
    finish_after_ripple: int
    cancel_after_ripple: int | None


def schedule_for(event_at: datetime, *, show_cancel_after: timedelta | None = None) -> Schedule:
    """FinishAfter = event + 2 h for all four; CancelAfter = event + 7 d for the bonuses, and
    event + `show_cancel_after` for the shows of a token bout."""
    if event_at.tzinfo is None or event_at.utcoffset() is None:
        raise PlanInvalid("event_datetime_utc must carry a timezone (e.g. 2027-03-01T20:00:00Z).")
    # Every step can leave Python's date range at its edges (year 1, year 9999, a forged
    # offset), so all of them are inside the guard. Stored canonically: UTC, whole seconds.
    try:
        event_at = event_at.astimezone(UTC).replace(microsecond=0)
        finish_after, cancel_after = event_at + FINISH_AFTER_DELAY, event_at + CANCEL_AFTER_DELAY
        finish_ripple, cancel_ripple = to_ripple(finish_after), to_ripple(cancel_after)
        show_ripple = None
        if show_cancel_after is not None:
            show_ripple = to_ripple(event_at + show_cancel_after)
    except (OverflowError, ValueError, XRPLTimeRangeException) as error:
        raise PlanInvalid(_OUT_OF_RANGE) from error
    latest = max(cancel_ripple, show_ripple or 0)
    if finish_ripple < 0 or latest > UINT32_MAX:
        raise PlanInvalid(_OUT_OF_RANGE)
    return Schedule(event_at, finish_after, cancel_after, finish_ripple, cancel_ripple, show_ripple)


def require_signing_window(finish_after_at: datetime, *, now: datetime, window: timedelta) -> None:
    """The ledger refuses an EscrowCreate whose FinishAfter has passed; leave time to sign."""
    if finish_after_at - now < window:
        minutes = int(window.total_seconds() // 60)
        raise PlanInvalid(
            f"FinishAfter (event + 2 h) must be at least {minutes} minutes in the future "
            "so the escrows can still be signed and validated."
        )


def check_amounts(amounts: dict[EscrowKind, int]) -> None:
    for kind, drops in amounts.items():
        if drops < 1:
            raise PlanInvalid(f"{kind.value}_drops must be at least 1 drop.")
    if sum(amounts.values()) > MAX_TOTAL_DROPS:
        raise PlanInvalid("The four amounts together exceed the XRP supply (10^17 drops).")


def check_parties(
    *,
    fighter_a: str | None,
    fighter_b: str | None,
    same_fighter: bool,
    promoter_address: str,
) -> None:
    """Two distinct fighters with profiles; three distinct, valid addresses."""
    if same_fighter:
        raise PlanInvalid("Fighter A and fighter B must be two different fighters.")
    if fighter_a is None or fighter_b is None:
        corner = "A" if fighter_a is None else "B"
        raise PlanInvalid(f"Fighter {corner} is not a fighter with a saved XRPL address.")
    if fighter_a == fighter_b:
        raise PlanInvalid("The two fighters' XRPL addresses must differ.")
    for corner, address in (("A", fighter_a), ("B", fighter_b)):
        # A profile saved before addresses were checked for their length may hold one the
        # ledger would refuse as a Destination.
        if not is_account_address(address):
            raise PlanInvalid(
                f"Fighter {corner}'s saved XRPL address is not a valid account address; "
                "the fighter must save their profile again."
            )
    if not is_account_address(promoter_address):
        raise PlanInvalid("promoter_xrpl_address is not a valid XRPL classic address.")
    if promoter_address in (fighter_a, fighter_b):
        raise PlanInvalid("The promoter's XRPL address must differ from both fighters'.")


def plan_escrows(
    *,
    schedule: Schedule,
    fighter_a: str,
    fighter_b: str,
    drops: dict[EscrowKind, int],
    values: dict[EscrowKind, Decimal],
) -> list[PlannedEscrow]:
    """Always exactly four escrows: show and bonus for each corner, each locking its drops
    (XRP) or its value (a token)."""
    destination = {EscrowKind.SHOW_A: fighter_a, EscrowKind.BONUS_A: fighter_a}
    return [
        PlannedEscrow(
            kind=kind,
            destination=destination.get(kind, fighter_b),
            amount_drops=drops.get(kind),
            amount_value=values.get(kind),
            finish_after_ripple=schedule.finish_after_ripple,
            cancel_after_ripple=(
                schedule.cancel_after_ripple if kind.is_bonus else schedule.show_cancel_after_ripple
            ),
        )
        for kind in EscrowKind
    ]
