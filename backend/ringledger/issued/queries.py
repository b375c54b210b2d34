"""What the token bouts a fighter fights in still owe them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from ringledger.core.db import Connection


@dataclass(frozen=True, slots=True)
class OwedEscrow:
    """One of the fighter's escrows in a token bout that is neither closed nor withdrawn."""

    bout_id: uuid.UUID
    token_label: str
    token_currency: str
    token_issuer: str
    destination_address: str
    amount_value: Decimal
    settled: bool  # finished or cancelled: it owes nothing any more
    kind: str
    outcome: str | None  # the bout's, once entered


# Each corner through its own (fighter, created_at, id) index; the fighter's two escrows of each.
_OWED = """
SELECT b.id, b.token_label, b.token_currency, b.token_issuer, e.destination_address,
       e.amount_value, e.status IN ('finished', 'cancelled'), e.kind, b.outcome
FROM (
    SELECT id, created_at, 'a' AS corner FROM bouts
    WHERE fighter_a_user_id = $1 AND token_label IS NOT NULL
      AND status NOT IN ('closed', 'withdrawn')
    UNION ALL
    SELECT id, created_at, 'b' AS corner FROM bouts
    WHERE fighter_b_user_id = $1 AND token_label IS NOT NULL
      AND status NOT IN ('closed', 'withdrawn')
) mine
JOIN bouts b ON b.id = mine.id
JOIN escrows e ON e.bout_id = mine.id
    AND e.kind::text IN ('show_' || mine.corner, 'bonus_' || mine.corner)
ORDER BY mine.created_at, mine.id, e.kind
"""


async def owed_escrows(conn: Connection, fighter_id: uuid.UUID) -> list[OwedEscrow]:
    """The fighter's escrows in their token bouts still going on, oldest bout first."""
    return [OwedEscrow(*row) for row in await conn.fetch(_OWED, fighter_id)]
