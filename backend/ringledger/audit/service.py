"""Writing and reading the audit trail. Rows are only ever inserted."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ringledger.audit.models import AuditEntry


@dataclass(frozen=True)
class Actor:
    """Who caused an audited event: a user, or the system itself (webhooks, workers)."""

    user_id: uuid.UUID | None
    role: str

    @classmethod
    def system(cls) -> Actor:
        return cls(user_id=None, role="system")


async def record(
    session: AsyncSession,
    *,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID | str | None,
    outcome: str,
    bout_id: uuid.UUID | None = None,
    failure_code: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one audit row in the caller's transaction."""
    entry = AuditEntry(
        bout_id=bout_id,
        actor_user_id=actor.user_id,
        actor_role=actor.role,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id) if entity_id is not None else None,
        outcome=outcome,
        failure_code=failure_code,
        details=details or {},
    )
    # Inserted with the rest of the transaction at commit (one round trip for all its rows).
    session.add(entry)
    return entry


async def entries_for_bout(session: AsyncSession, *, bout_id: uuid.UUID) -> list[AuditEntry]:
    """The bout's audit trail, oldest first."""
    rows = await session.scalars(
        select(AuditEntry).where(AuditEntry.bout_id == bout_id).order_by(AuditEntry.id)
    )
    return list(rows)
