"""Dependencies that check who may act on a bout, in API order: 401, then 403, then 404.

One statement reads the token's account and the bout's parties together (for a confirm, also
the outcome stored under its Idempotency-Key); the route then loads what it needs (a view, or
the bout under its lock) on the same connection, `BoutAccess.unit`, which is released before
the response is sent. No `from __future__ import annotations`
here: FastAPI must see the closure's real annotations.
"""

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
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
from ringledger.core.db import Unit
from ringledger.core.deps import ClaimsDep, database_of
from ringledger.core.security import TokenClaims
from ringledger.idempotency.queries import Stored
from ringledger.idempotency.service import (
    ESCROW_CONFIRM,
    PAYOUT_CONFIRM,
    KeyHeader,
    check_key,
    well_formed,
)


@dataclass(frozen=True, slots=True)
class BoutAccess:
    """The caller, the bout they may act on, and the request's unit of work."""

    user: UserRow
    bout_id: uuid.UUID
    unit: Unit
    # A confirm's checked Idempotency-Key, and the outcome already stored under it (read with
    # the access check): a replay.
    key: str = ""
    stored: Stored | None = None

    @property
    def actor(self) -> Actor:
        return actor_of(self.user)


@asynccontextmanager
async def _access(
    request: Request,
    claims: TokenClaims,
    bout_id: uuid.UUID,
    roles: frozenset[UserRole],
    key_for: str | None = None,
    key: str | None = None,
) -> AsyncIterator[BoutAccess]:
    add_log_fields(bout_id=bout_id)
    async with database_of(request).unit() as unit:
        found = await queries.access(
            unit.conn,
            user_id=claims.user_id,
            bout_id=bout_id,
            # A malformed key is refused below (400); it cannot have an outcome stored.
            stored_under=(key_for, key) if key_for and key and well_formed(key) else None,
        )
        user = require(token_holder(found.user, claims), roles)
        if found.parties is None or not may_see(user, found.parties):
            raise BoutNotFound("No such bout.")
        checked = check_key(key) if key_for else ""
        yield BoutAccess(user, bout_id, unit, checked, found.stored)


def _bout_access(*roles: UserRole) -> Callable[..., AsyncIterator[BoutAccess]]:
    allowed = frozenset(roles)

    async def access(
        bout_id: uuid.UUID, claims: ClaimsDep, request: Request
    ) -> AsyncIterator[BoutAccess]:
        async with _access(request, claims, bout_id, allowed) as found:
            yield found

    return access


def _confirm_access(operation: str) -> Callable[..., AsyncIterator[BoutAccess]]:
    """As the promoter's access, with the request's Idempotency-Key checked (400 after 404)."""
    allowed = frozenset({UserRole.PROMOTER})

    async def access(
        bout_id: uuid.UUID, claims: ClaimsDep, request: Request, idempotency_key: KeyHeader = None
    ) -> AsyncIterator[BoutAccess]:
        async with _access(request, claims, bout_id, allowed, operation, idempotency_key) as found:
            yield found

    return access


def _depends(call: Callable[..., AsyncIterator[BoutAccess]]) -> Any:
    # scope="function": the connection goes back to the pool before the response is sent.
    return Depends(call, scope="function")


VisibleBout = Annotated[BoutAccess, _depends(_bout_access(*UserRole))]
"""Any role; 404 unless the caller takes part in (or administers) the bout."""
OwnedBout = Annotated[BoutAccess, _depends(_bout_access(UserRole.PROMOTER))]
"""Promoters only (403 otherwise); 404 unless it is the caller's own bout."""
AdminBout = Annotated[BoutAccess, _depends(_bout_access(UserRole.ADMIN))]
"""Admins only; any bout."""
AuditBout = Annotated[BoutAccess, _depends(_bout_access(UserRole.PROMOTER, UserRole.ADMIN))]
"""The owning promoter or an admin."""
EscrowConfirmAccess = Annotated[BoutAccess, _depends(_confirm_access(ESCROW_CONFIRM))]
"""As OwnedBout, with the Idempotency-Key and the outcome already stored under it, if any."""
PayoutConfirmAccess = Annotated[BoutAccess, _depends(_confirm_access(PAYOUT_CONFIRM))]
"""As OwnedBout, with the Idempotency-Key and the outcome already stored under it, if any."""
