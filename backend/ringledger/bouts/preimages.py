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
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ringledger.audit import service as audit
from ringledger.audit.service import Actor
from ringledger.bouts import conditions
from ringledger.bouts.models import Bout, Escrow
from ringledger.core.errors import RingLedgerError


class PreimageKeyMismatch(RingLedgerError):
    """A server configuration fault, never the caller's: the data was encrypted with another key."""

    status = 500
    code = "preimage_key_mismatch"


class PreimageConditionMismatch(RingLedgerError):
    """The stored preimage does not produce the escrow's condition; its audit row is kept."""

    status = 500
    code = "preimage_condition_mismatch"
    keep_changes = True


def decrypt(cipher: MultiFernet, escrow: Escrow) -> bytes:
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
        return conditions.same_hex(conditions.condition_hex(preimage), condition_hex)
    except ValueError:  # not a 32-byte preimage at all
        return False


async def fulfillment(
    session: AsyncSession,
    *,
    bout: Bout,
    escrow: Escrow,
    cipher: MultiFernet,
    actor: Actor,
    action: str,
) -> str:
    """The escrow's fulfillment, once its preimage is proven to match the stored condition."""
    preimage = decrypt(cipher, escrow)
    if matches(preimage, escrow.condition_hex):
        return conditions.fulfillment_hex(preimage)
    await audit.record(
        session,
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


async def rotate_batch(
    session: AsyncSession,
    *,
    cipher: MultiFernet,
    primary: Fernet,
    after: uuid.UUID | None,
    limit: int,
    tally: Rotation,
) -> uuid.UUID | None:
    """Re-encrypt the next `limit` preimages (by escrow id) under `primary`; the last id seen.

    Idempotent: a preimage already under the primary key is left alone. Each batch commits on
    its own, so an interrupted rotation resumes where it stopped when run again.
    """
    query = select(Escrow.id, Escrow.condition_hex, Escrow.preimage_ciphertext).where(
        Escrow.preimage_ciphertext.is_not(None)
    )
    if after is not None:
        query = query.where(Escrow.id > after)
    rows = (await session.execute(query.order_by(Escrow.id).limit(limit))).all()
    for escrow_id, condition_hex, ciphertext in rows:
        tally.examined += 1
        assert ciphertext is not None  # the query selects only escrows with a preimage
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
        # Compare-and-swap: nothing else writes a ciphertext, but never overwrite blindly.
        await session.execute(
            update(Escrow)
            .where(Escrow.id == escrow_id, Escrow.preimage_ciphertext == ciphertext)
            .values(preimage_ciphertext=primary.encrypt(preimage).decode())
        )
        tally.rotated += 1
    return rows[-1][0] if rows else None
