"""Writing the audit trail: rows are only ever inserted (a database trigger refuses more)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from ringledger.core.db import AuditRow, Tx


@dataclass(frozen=True)
class Actor:
    """Who caused an audited event: a user, or the system itself (webhooks, workers)."""

    user_id: uuid.UUID | None
    role: str

    @classmethod
    def system(cls) -> Actor:
        return cls(user_id=None, role="system")


def record(
    tx: Tx,
    *,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID | str | None,
    outcome: str,
    bout_id: uuid.UUID | None = None,
    failure_code: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Append one audit row to the unit of work; it is written with it, before it commits."""
    tx.audit.append(
        AuditRow(
            actor_user_id=actor.user_id,
            actor_role=actor.role,
            action=action,
            entity_type=entity_type,
            entity_id=str(entity_id) if entity_id is not None else None,
            outcome=outcome,
            bout_id=bout_id,
            failure_code=failure_code,
            details=details or {},
        )
    )
