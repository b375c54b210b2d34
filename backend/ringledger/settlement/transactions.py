"""Unsigned XRPL transactions for the wallet, built with xrpl-py's models (which validate them)."""

from __future__ import annotations

from typing import Any

from ringledger.bouts.records import EscrowRow
from ringledger.core.xrpl_models import EscrowCancel, EscrowCreate, EscrowFinish

# rippled EscrowFinish::calculateBaseFee: a finish with a fulfillment costs
# base × (33 + ⌊fulfillment bytes / 16⌋); Xaman may not add this itself
# (docs/xrpl-and-xaman.md#escrows-on-the-xrp-ledger).
_FULFILLMENT_FEE_UNITS = 33


def _unsigned(model: EscrowCreate | EscrowFinish | EscrowCancel) -> dict[str, Any]:
    tx = model.to_xrpl()
    tx.pop("SigningPubKey", None)  # the wallet fills key, Sequence and (unless set) Fee
    return dict(tx)


def escrow_create(escrow: EscrowRow) -> dict[str, Any]:
    return _unsigned(
        EscrowCreate(
            account=escrow.owner_address,
            destination=escrow.destination_address,
            amount=str(escrow.amount_drops),
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
        return _unsigned(model)
    fee = finish_fee_drops(base_fee_drops=base_fee_drops, fulfillment_hex=fulfillment_hex)
    return _unsigned(
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
    return _unsigned(
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
    return _unsigned(
        EscrowFinish(
            account=account, owner=escrow.owner_address, offer_sequence=escrow.offer_sequence
        )
    )
