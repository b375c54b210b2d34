"""Dependencies that check who may act on a bout, in API order: 401, then 403, then 404.

One statement reads the token's account and the bout's parties together (for a confirm, also
the outcome stored under its Idempotency-Key); the route then loads what it needs (a view, or
the bout under its lock) on the same connection, `BoutAccess.unit`, which is released before
the response is sent. No `from __future__ import annotations` here: FastAPI reads the
annotations of a gate's `__call__` at run time, and an instance has no module namespace to
resolve strings in.
"""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from ringledger.audit.service import Actor
from ringledger.auth.deps import actor_of, require, token_holder
from ringledger.auth.models import UserRole
from ringledger.auth.queries import UserRow
from ringledger.bouts import queries
from ringledger.bouts.errors import BoutNotFound
from ringledger.bouts.records import BoutRow
from ringledger.bouts.service import may_see
from ringledger.core.context import add_log_fields
from ringledger.core.db import Unit
from ringledger.core.deps import BearerGate, bearer_claims, database_of
from ringledger.idempotency.queries import Stored
from ringledger.idempotency.service import ESCROW_CONFIRM, PAYOUT_CONFIRM, check_key, well_formed


@dataclass(frozen=True, slots=True)
class BoutAccess:
    """The caller, the bout they may act on, and the request's unit of work."""

    user: UserRow
    # The bout as committed when access was checked (without its escrows, not locked): what a
    # read shows; a change locks and reads it again (`queries.lock_bout`).
    seen: BoutRow
    unit: Unit
    # A confirm's checked Idempotency-Key, and the outcome already stored under it (read with
    # the access check): a replay.
    key: str = ""
    stored: Stored | None = None

    @property
    def bout_id(self) -> uuid.UUID:
        return self.seen.id

    @property
    def actor(self) -> Actor:
        return actor_of(self.user)


class BoutGate(BearerGate):
    """Lets in the callers in `roles` who may see the bout (401, then 403, then 404), on a
    connection that is the request's until the route returns. A confirm's gate (`operation`)
    also checks its Idempotency-Key (400, after the 404) and reads the outcome stored under it;
    the route declares the header for the OpenAPI document (`KEY_PARAMETER`)."""

    def __init__(self, *roles: UserRole, operation: str | None = None) -> None:
        super().__init__()
        self.roles = frozenset(roles)
        self.operation = operation

    async def __call__(self, request: Request, bout_id: uuid.UUID) -> AsyncIterator[BoutAccess]:
        claims = bearer_claims(request)
        add_log_fields(bout_id=bout_id)
        key = request.headers.get("idempotency-key") if self.operation else None
        # A malformed key is refused below (400); it cannot have an outcome stored.
        stored_under = (
            (self.operation, key) if self.operation and key and well_formed(key) else None
        )
        async with database_of(request).unit() as unit:
            found = await queries.access(
                unit.conn, user_id=claims.user_id, bout_id=bout_id, stored_under=stored_under
            )
            user = require(token_holder(found.user, claims), self.roles)
            if found.bout is None or not may_see(user, found.bout):
                raise BoutNotFound("No such bout.")
            checked = check_key(key) if self.operation else ""
            yield BoutAccess(user, found.bout, unit, checked, found.stored)


def _gate(*roles: UserRole, operation: str | None = None) -> Any:
    # scope="function": the connection goes back to the pool before the response is sent.
    return Depends(BoutGate(*roles, operation=operation), scope="function")


VisibleBout = Annotated[BoutAccess, _gate(*UserRole)]
"""Any role; 404 unless the caller takes part in (or administers) the bout."""
OwnedBout = Annotated[BoutAccess, _gate(UserRole.PROMOTER)]
"""Promoters only (403 otherwise); 404 unless it is the caller's own bout."""
AdminBout = Annotated[BoutAccess, _gate(UserRole.ADMIN)]
"""Admins only; any bout."""
FighterBout = Annotated[BoutAccess, _gate(UserRole.FIGHTER)]
"""Fighters only (403 otherwise); 404 unless the caller fights in the bout."""
AuditBout = Annotated[BoutAccess, _gate(UserRole.PROMOTER, UserRole.ADMIN)]
"""The owning promoter or an admin."""
EscrowConfirmAccess = Annotated[BoutAccess, _gate(UserRole.PROMOTER, operation=ESCROW_CONFIRM)]
"""As OwnedBout, with the Idempotency-Key and the outcome already stored under it, if any."""
PayoutConfirmAccess = Annotated[BoutAccess, _gate(UserRole.PROMOTER, operation=PAYOUT_CONFIRM)]
"""As OwnedBout, with the Idempotency-Key and the outcome already stored under it, if any."""
