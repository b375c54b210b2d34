"""Unsigned XRPL transactions for the wallet, built with xrpl-py's models (which validate them)."""

from __future__ import annotations

from typing import Any

from ringledger.bouts.records import EscrowRow
from ringledger.core.xrpl_models import (
    EscrowCancel,
    EscrowCreate,
    EscrowFinish,
    IssuedCurrencyAmount,
    unsigned,
)

# rippled EscrowFinish::calculateBaseFee: a finish with a fulfillment costs
# base × (33 + ⌊fulfillment bytes / 16⌋); Xaman may not add this itself
# (docs/xrpl-and-xaman.md#escrows-on-the-xrp-ledger).
_FULFILLMENT_FEE_UNITS = 33


def escrow_create(
    escrow: EscrowRow, *, amount: str | dict[str, str] | None = None
) -> dict[str, Any]:
    """An EscrowCreate of `amount`: drops (the escrow's own by default), or a token amount
    object (Token Escrow)."""
    if amount is None:
        amount = str(escrow.amount_drops)
    return unsigned(
        EscrowCreate(
            account=escrow.owner_address,
            destination=escrow.destination_address,
            amount=amount if isinstance(amount, str) else IssuedCurrencyAmount(**amount),
            finish_after=escrow.finish_after_ripple,
            cancel_after=escrow.cancel_after_ripple,
            condition=escrow.condition_hex,
        )
    )


def finish_fee_drops(*, base_fee_drops: int, fulfillment_hex: str) -> int:
    fulfillment_bytes = len(fulfillment_hex) // 2
    return base_fee_drops * (_FULFILLMENT_FEE_UNITS + fulfillment_bytes // 16)


def escrow_finish(
    escrow: EscrowRow, *, fulfillment_hex: str | None, base_fee_drops: int
) -> dict[str, Any]:
    """EscrowFinish; with a fulfillment it carries Condition, Fulfillment and an explicit Fee."""
    assert escrow.offer_sequence is not None
    if fulfillment_hex is None:
        model = EscrowFinish(
            account=escrow.owner_address,
            owner=escrow.owner_address,
            offer_sequence=escrow.offer_sequence,
        )
        return unsigned(model)
    fee = finish_fee_drops(base_fee_drops=base_fee_drops, fulfillment_hex=fulfillment_hex)
    return unsigned(
        EscrowFinish(
            account=escrow.owner_address,
            owner=escrow.owner_address,
            offer_sequence=escrow.offer_sequence,
            condition=escrow.condition_hex,
            fulfillment=fulfillment_hex,
            fee=str(fee),
        )
    )


def escrow_cancel(escrow: EscrowRow) -> dict[str, Any]:
    assert escrow.offer_sequence is not None
    return unsigned(
        EscrowCancel(
            account=escrow.owner_address,
            owner=escrow.owner_address,
            offer_sequence=escrow.offer_sequence,
        )
    )


def escrow_claim(escrow: EscrowRow, *, account: str) -> dict[str, Any]:
    """A fighter's own EscrowFinish of their show escrow: any account may finish an escrow once
    FinishAfter has passed, and the money goes to its Destination whoever sends it."""
    assert escrow.offer_sequence is not None
    return unsigned(
        EscrowFinish(
            account=account, owner=escrow.owner_address, offer_sequence=escrow.offer_sequence
        )
    )
