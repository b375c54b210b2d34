"""The bout view (`BoutView` in bouts.schemas), built as plain data and never with a preimage or
a fulfillment in it.

The routes return these dicts serialized once (orjson) instead of validating a pydantic model
they built themselves: the field order below is the schema's, which the OpenAPI document
declares and a test compares.
"""

from __future__ import annotations

from typing import Any

from ringledger.bouts import amounts, queries
from ringledger.bouts.outcomes import refund_pending
from ringledger.bouts.queries import ViewEscrows
from ringledger.bouts.records import BoutRow, EscrowRow, LatestSigning
from ringledger.core.db import Connection
from ringledger.core.timeutil import iso_utc


def escrow_view(escrow: EscrowRow, signing: LatestSigning | None, bout: BoutRow) -> dict[str, Any]:
    token = bout.token
    return {
        "escrow_id": escrow.id,
        "escrow_kind": escrow.kind.value,
        "status": escrow.status.value,
        "owner_address": escrow.owner_address,
        "destination_address": escrow.destination_address,
        "amount_drops": escrow.amount_drops,
        "amount": amounts.ledger_amount(escrow, token),
        "net_amount": amounts.net_amount(escrow, token, bout.transfer_rate),
        "finish_after_ripple": escrow.finish_after_ripple,
        "cancel_after_ripple": escrow.cancel_after_ripple,
        "condition_hex": escrow.condition_hex,
        "offer_sequence": escrow.offer_sequence,
        "create_tx_hash": escrow.create_tx_hash,
        "close_tx_hash": escrow.close_tx_hash,
        "closed_by_address": escrow.closed_by_address,
        "failure_code": escrow.failure_code,
        "failure_reason": escrow.failure_reason,
        "signing": None
        if signing is None
        else {
            "payload_id": signing.payload_id,
            "status": signing.status,
            "updated_at": iso_utc(signing.updated_at),
        },
    }


def bout_view(
    bout: BoutRow, escrows: list[tuple[EscrowRow, LatestSigning | None]]
) -> dict[str, Any]:
    """The view of `bout`, whose escrows (with their newest sign requests) are `escrows`."""
    bout.escrows = [escrow for escrow, _ in escrows]
    winner = bout.winner
    return {
        "bout_id": bout.id,
        "title": bout.title,
        "status": bout.status.value,
        "winner": winner.value if winner else None,
        "outcome": bout.outcome.value if bout.outcome else None,
        "event_datetime_utc": iso_utc(bout.event_at),
        "finish_after_utc": iso_utc(bout.finish_after_at),
        "cancel_after_utc": iso_utc(bout.cancel_after_at),
        "promoter_user_id": bout.promoter_user_id,
        "fighter_a_user_id": bout.fighter_a_user_id,
        "fighter_b_user_id": bout.fighter_b_user_id,
        "promoter_xrpl_address": bout.promoter_xrpl_address,
        "refund_pending": refund_pending(bout),
        "created_at": iso_utc(bout.created_at),
        "updated_at": iso_utc(bout.updated_at),
        "token": token_view(bout),
        "anomalies": [anomaly_view(escrow) for escrow in bout.escrows if escrow.anomaly_reason],
        "escrows": [escrow_view(escrow, signing, bout) for escrow, signing in escrows],
    }


def amounts_view(escrow: EscrowRow, bout: BoutRow) -> dict[str, Any]:
    """What the escrow locks, what its destination receives after the issuer's fee at the rate
    prepare recorded, and what its close actually delivered (as the close's own metadata says:
    null before the close, and for a token escrow closed in stub mode)."""
    token = bout.token
    return {
        "escrow_kind": escrow.kind.value,
        "amount": amounts.ledger_amount(escrow, token),
        "net_amount": amounts.net_amount(escrow, token, bout.transfer_rate),
        "delivered_amount": amounts.delivered_amount(escrow, token),
    }


def token_view(bout: BoutRow) -> dict[str, Any] | None:
    token = bout.token
    if token is None:
        return None
    return {
        "label": token.label,
        "currency": token.currency,
        "issuer": token.issuer,
        "transfer_rate": bout.transfer_rate,
    }


def anomaly_view(escrow: EscrowRow) -> dict[str, Any]:
    """A move the ledger made that the bout's outcome did not allow."""
    return {
        "escrow_kind": escrow.kind.value,
        "tx_hash": escrow.close_tx_hash,
        "reason": escrow.anomaly_reason,
        "observed_at": iso_utc(escrow.anomaly_at),
    }


async def render(conn: Connection, bout: BoutRow) -> dict[str, Any]:
    """One bout's view with the newest sign request of each escrow."""
    found = await queries.escrows_for_view(conn, [bout.id])
    return bout_view(bout, found[bout.id])


async def render_page(conn: Connection, bouts: list[BoutRow]) -> list[dict[str, Any]]:
    """The views of a page of bouts, with two statements for the whole page."""
    found: ViewEscrows = await queries.escrows_for_view(conn, [bout.id for bout in bouts])
    return [bout_view(bout, found[bout.id]) for bout in bouts]
