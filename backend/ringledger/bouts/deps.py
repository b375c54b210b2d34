"""Dependencies that check who may act on a bout, in API order: 401, then 403, then 404.

One statement reads the token's account and the bout's parties together; the route then loads
what it needs (a view, or the bout under its lock). No `from __future__ import annotations`
here: FastAPI must see the closure's real annotations.
"""

import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from ringledger.audit.service import Actor
from ringledger.auth.deps import actor_of, require, token_holder
from ringledger.auth.models import UserRole
from ringledger.auth.queries import UserRow
from ringledger.bouts import queries
from ringledger.bouts.errors import BoutNotFound
from ringledger.bouts.service import may_see
from ringledger.core.context import add_log_fields
from ringledger.core.deps import ClaimsDep, UnitDep
from ringledger.idempotency.queries import Stored
from ringledger.idempotency.service import ESCROW_CONFIRM, PAYOUT_CONFIRM, well_formed


@dataclass(frozen=True)
class BoutAccess:
    """The caller, and the bout they may act on."""

    user: UserRow
    bout_id: uuid.UUID
    # A confirm's Idempotency-Key already stored (read with the access check): a replay.
    stored: Stored | None = None

    @property
    def actor(self) -> Actor:
        return actor_of(self.user)


def _bout_access(
    *roles: UserRole, operation: str | None = None
) -> Callable[..., Coroutine[Any, Any, BoutAccess]]:
    allowed = frozenset(roles)

    async def check(
        bout_id: uuid.UUID, claims: ClaimsDep, unit: UnitDep, request: Request
    ) -> BoutAccess:
        add_log_fields(bout_id=bout_id)
        key = request.headers.get("idempotency-key") if operation else None
        found = await queries.access(
            unit.conn,
            user_id=claims.user_id,
            bout_id=bout_id,
            # A malformed key is refused later (400); it cannot have an outcome stored.
            stored_under=(operation, key) if operation and key and well_formed(key) else None,
        )
        user = require(token_holder(found.user, claims), allowed)
        if found.parties is None or not may_see(user, found.parties):
            raise BoutNotFound("No such bout.")
        return BoutAccess(user, bout_id, found.stored)

    return check


VisibleBout = Annotated[BoutAccess, Depends(_bout_access(*UserRole))]
"""Any role; 404 unless the caller takes part in (or administers) the bout."""
OwnedBout = Annotated[BoutAccess, Depends(_bout_access(UserRole.PROMOTER))]
"""Promoters only (403 otherwise); 404 unless it is the caller's own bout."""
AdminBout = Annotated[BoutAccess, Depends(_bout_access(UserRole.ADMIN))]
"""Admins only; any bout."""
AuditBout = Annotated[BoutAccess, Depends(_bout_access(UserRole.PROMOTER, UserRole.ADMIN))]
"""The owning promoter or an admin."""
EscrowConfirmAccess = Annotated[
    BoutAccess, Depends(_bout_access(UserRole.PROMOTER, operation=ESCROW_CONFIRM))
]
"""As OwnedBout, with the outcome stored under the request's Idempotency-Key, if any."""
PayoutConfirmAccess = Annotated[
    BoutAccess, Depends(_bout_access(UserRole.PROMOTER, operation=PAYOUT_CONFIRM))
]
"""As OwnedBout, with the outcome stored under the request's Idempotency-Key, if any."""
