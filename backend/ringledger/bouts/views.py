"""The bout view (`BoutView` in bouts.schemas), built as plain data and never with a preimage or
a fulfillment in it.

The routes return these dicts serialized once (orjson) instead of validating a pydantic model
they built themselves: the field order below is the schema's, which the OpenAPI document
declares and a test compares.
"""

from __future__ import annotations

from typing import Any

from ringledger.bouts import queries
from ringledger.bouts.outcomes import refund_pending
from ringledger.bouts.queries import ViewEscrows
from ringledger.bouts.records import BoutRow, EscrowRow, LatestSigning
from ringledger.core.db import Connection
from ringledger.core.timeutil import iso_utc


def escrow_view(escrow: EscrowRow, signing: LatestSigning | None) -> dict[str, Any]:
    return {
        "escrow_id": escrow.id,
        "escrow_kind": escrow.kind.value,
        "status": escrow.status.value,
        "owner_address": escrow.owner_address,
        "destination_address": escrow.destination_address,
        "amount_drops": escrow.amount_drops,
        "finish_after_ripple": escrow.finish_after_ripple,
        "cancel_after_ripple": escrow.cancel_after_ripple,
        "condition_hex": escrow.condition_hex,
        "offer_sequence": escrow.offer_sequence,
        "create_tx_hash": escrow.create_tx_hash,
        "close_tx_hash": escrow.close_tx_hash,
        "failure_code": escrow.failure_code,
        "failure_reason": escrow.failure_reason,
        "closed_by_address": escrow.closed_by_address,
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
        "anomalies": [anomaly_view(escrow) for escrow in bout.escrows if escrow.anomaly_reason],
        "escrows": [escrow_view(escrow, signing) for escrow, signing in escrows],
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
