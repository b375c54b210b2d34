"""The incident evidence document of a bout (the runbook's evidence capture checklist).

Built as plain data in the order of `EvidenceOut` (audit.schemas), which documents it.
"""

from __future__ import annotations

import uuid
from typing import Any

from ringledger.audit import queries as audit_queries
from ringledger.audit.queries import Entry
from ringledger.bouts import queries as bout_queries
from ringledger.bouts import views
from ringledger.core.config import Settings
from ringledger.core.db import Connection
from ringledger.core.timeutil import iso_utc, utcnow
from ringledger.idempotency import queries as idempotency_queries
from ringledger.idempotency.queries import KeyRecord
from ringledger.signing import queries as signing_queries
from ringledger.signing.queries import AttemptRow


def entry_out(entry: Entry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": iso_utc(entry.at),
        "actor_user_id": entry.actor_user_id,
        "actor_role": entry.actor_role,
        "action": entry.action,
        "entity_type": entry.entity_type,
        "entity_id": entry.entity_id,
        "outcome": entry.outcome,
        "failure_code": entry.failure_code,
        "details": entry.details,
    }


async def trail(conn: Connection, *, bout_id: uuid.UUID) -> list[dict[str, Any]]:
    """The bout's audit trail, oldest first, as `GET /bouts/{id}/audit` answers it."""
    return [
        entry_out(entry) for entry in await audit_queries.entries_for_bout(conn, bout_id=bout_id)
    ]


async def collect(
    conn: Connection, *, bout_id: uuid.UUID, settings: Settings
) -> dict[str, Any] | None:
    """Bout and escrow states, signing attempts, audit trail, failures and idempotency records;
    None when there is no such bout."""
    bout = await bout_queries.bout_only(conn, bout_id)
    if bout is None:
        return None
    view = await views.render(conn, bout)
    kinds = {escrow.id: escrow.kind.value for escrow in bout.escrows}
    entries = await trail(conn, bout_id=bout_id)
    attempts = await signing_queries.of_bout(conn, bout_id=bout_id)
    records = await idempotency_queries.of_bout(conn, bout_id)
    return {
        "generated_at": iso_utc(utcnow()),
        "runtime": {
            "environment": settings.RINGLEDGER_ENV,
            "xaman_mode": settings.XAMAN_MODE,
            "xrpl_mode": settings.XRPL_MODE,
            "xrpl_network": settings.XRPL_NETWORK,
        },
        "bout": view,
        "amounts": [views.amounts_view(escrow, bout) for escrow in bout.escrows],
        "signing_attempts": [_attempt_out(attempt, kinds) for attempt in attempts],
        "audit": entries,
        "failures": [entry for entry in entries if entry["failure_code"]],
        "idempotency": [_record_out(record) for record in records],
    }


def _attempt_out(attempt: AttemptRow, kinds: dict[uuid.UUID, str]) -> dict[str, Any]:
    return {
        "signing_attempt_id": attempt.id,
        "escrow_id": attempt.escrow_id,
        "escrow_kind": kinds.get(attempt.escrow_id, "unknown"),
        "phase": attempt.phase.value,
        "mode": attempt.mode,
        "payload_id": attempt.payload_id,
        "status": attempt.status.value,
        "status_reason": attempt.status_reason,
        "tx_hash": attempt.tx_hash,
        "signed_at": iso_utc(attempt.signed_at),
        "followed_at": iso_utc(attempt.followed_at),
        "followed_outcome": attempt.followed_outcome,
        "expires_at": iso_utc(attempt.expires_at),
        "created_at": iso_utc(attempt.created_at),
        "updated_at": iso_utc(attempt.updated_at),
    }


def _record_out(record: KeyRecord) -> dict[str, Any]:
    return {
        "scope": f"{record.operation}:{record.bout_id}",
        "operation": record.operation,
        "idempotency_key": record.key,
        "request_hash": record.request_hash,
        "stored_status": record.status,
        "created_at": iso_utc(record.created_at),
    }
