"""The audit trail's statements (rows are written by `Tx.flush`, with their unit of work)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ringledger.core.db import Connection


@dataclass(frozen=True)
class Entry:
    """One stored audit row."""

    id: int
    at: datetime
    actor_user_id: uuid.UUID | None
    actor_role: str
    action: str
    entity_type: str
    entity_id: str | None
    outcome: str
    failure_code: str | None
    details: dict[str, Any]


_TRAIL = """
SELECT id, at, actor_user_id, actor_role, action, entity_type, entity_id, outcome, failure_code,
       details
FROM audit_log WHERE bout_id = $1 ORDER BY id
"""


async def entries_for_bout(conn: Connection, *, bout_id: uuid.UUID) -> list[Entry]:
    """The bout's audit trail, oldest first."""
    return [Entry(*row) for row in await conn.fetch(_TRAIL, bout_id)]
