"""The bonus preimages at rest: decrypting one to reveal it, and re-encrypting all under a new key.

A preimage is revealed (as the fulfillment of a winner's bonus) only after it was checked to
produce the escrow's stored condition: a preimage that does not would make the ledger refuse
the finish (tecCRYPTOCONDITION_ERROR) after the promoter signed it, so it is refused here, as a
fault of the server's own, with an audit row.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from ringledger.audit import service as audit
from ringledger.audit.service import Actor
from ringledger.bouts import conditions
from ringledger.bouts.records import BoutRow, EscrowRow
from ringledger.core.db import Connection, Tx
from ringledger.core.errors import RingLedgerError
from ringledger.ledger.evidence import same_hex


class PreimageKeyMismatch(RingLedgerError):
    """A server configuration fault, never the caller's: the data was encrypted with another key."""

    status = 500
    code = "preimage_key_mismatch"


class PreimageConditionMismatch(RingLedgerError):
    """The stored preimage does not produce the escrow's condition; its audit row is kept."""

    status = 500
    code = "preimage_condition_mismatch"
    keep_changes = True


def decrypt(cipher: MultiFernet, escrow: EscrowRow) -> bytes:
    assert escrow.preimage_ciphertext is not None
    try:
        return cipher.decrypt(escrow.preimage_ciphertext.encode())
    except InvalidToken as error:
        raise PreimageKeyMismatch(
            "The configured RINGLEDGER_PREIMAGE_KEY cannot decrypt this bout's bonus condition. "
            "After a key rotation the old key must stay in the list, after the new one."
        ) from error


def matches(preimage: bytes, condition_hex: str | None) -> bool:
    try:
        return same_hex(conditions.condition_hex(preimage), condition_hex)
    except ValueError:  # not a 32-byte preimage at all
        return False


async def fulfillment(
    tx: Tx,
    *,
    bout: BoutRow,
    escrow: EscrowRow,
    cipher: MultiFernet,
    actor: Actor,
    action: str,
) -> str:
    """The escrow's fulfillment, once its preimage is proven to match the stored condition."""
    preimage = decrypt(cipher, escrow)
    if matches(preimage, escrow.condition_hex):
        return conditions.fulfillment_hex(preimage)
    audit.record(
        tx,
        actor=actor,
        action=action,
        entity_type="escrow",
        entity_id=escrow.id,
        bout_id=bout.id,
        outcome="refused",
        failure_code=PreimageConditionMismatch.code,
        details={
            "escrow_kind": escrow.kind.value,
            "reason": "the stored preimage does not produce the escrow's condition",
        },
    )
    raise PreimageConditionMismatch(
        "The stored bonus preimage does not match the escrow's condition, so no fulfillment "
        "was revealed. This is a data fault of the service: see the audit trail."
    )


@dataclass
class Rotation:
    """What one pass of `rotate` did, so far."""

    examined: int = 0
    rotated: int = 0
    current: int = 0
    unreadable: list[uuid.UUID] = field(default_factory=list)
    mismatched: list[uuid.UUID] = field(default_factory=list)


_BATCH = """
SELECT id, condition_hex, preimage_ciphertext FROM escrows
WHERE preimage_ciphertext IS NOT NULL AND id > $1
ORDER BY id LIMIT $2
"""
# Compare-and-swap: nothing else writes a ciphertext, but never overwrite one blindly.
_REPLACE = """
UPDATE escrows SET preimage_ciphertext = $3, updated_at = now()
WHERE id = $1 AND preimage_ciphertext = $2
"""
_COUNT = "SELECT count(*) FROM escrows WHERE preimage_ciphertext IS NOT NULL"
BEFORE_ALL = uuid.UUID(int=0)


async def count(conn: Connection) -> int:
    total: int = await conn.fetchval(_COUNT)
    return total


async def rotate_batch(
    conn: Connection,
    *,
    cipher: MultiFernet,
    primary: Fernet,
    after: uuid.UUID,
    limit: int,
    tally: Rotation,
) -> uuid.UUID | None:
    """Re-encrypt the next `limit` preimages (by escrow id) under `primary`; the last id seen.

    Idempotent: a preimage already under the primary key is left alone. Each batch commits on
    its own, so an interrupted rotation resumes where it stopped when run again.
    """
    rows = await conn.fetch(_BATCH, after, limit)
    for escrow_id, condition_hex, ciphertext in rows:
        tally.examined += 1
        token = ciphertext.encode()
        try:
            preimage = primary.decrypt(token)
            already = True
        except InvalidToken:
            already = False
            try:
                preimage = cipher.decrypt(token)
            except InvalidToken:
                tally.unreadable.append(escrow_id)
                continue
        if not matches(preimage, condition_hex):
            tally.mismatched.append(escrow_id)
            continue
        if already:
            tally.current += 1
            continue
        await conn.execute(_REPLACE, escrow_id, ciphertext, primary.encrypt(preimage).decode())
        tally.rotated += 1
    last: uuid.UUID | None = rows[-1][0] if rows else None
    return last
