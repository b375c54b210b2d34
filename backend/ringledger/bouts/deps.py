"""Dependencies that load a bout and check who may see or act on it (401 → 403 → 404).

No `from __future__ import annotations` here: FastAPI must see the closure's real annotations.
"""

import uuid
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends

from ringledger.auth.models import User
from ringledger.bouts import service
from ringledger.bouts.models import Bout
from ringledger.core.context import add_log_fields
from ringledger.core.deps import (
    SessionDep,
    admin_only,
    get_current_user,
    promoter_only,
    promoter_or_admin,
)


def _bout_loader(
    role_check: Callable[..., Coroutine[Any, Any, User]],
) -> Callable[..., Coroutine[Any, Any, Bout]]:
    """A dependency: the role check first (401/403), then the bout if visible (else 404)."""

    async def load(
        bout_id: uuid.UUID, user: Annotated[User, Depends(role_check)], session: SessionDep
    ) -> Bout:
        add_log_fields(bout_id=bout_id)
        return await service.get_visible(session, user=user, bout_id=bout_id)

    return load


async def _owned_bout_id(
    bout_id: uuid.UUID, user: Annotated[User, Depends(promoter_only)], session: SessionDep
) -> uuid.UUID:
    add_log_fields(bout_id=bout_id)
    return await service.require_visible(session, user=user, bout_id=bout_id)


VisibleBout = Annotated[Bout, Depends(_bout_loader(get_current_user))]
"""Any role; 404 unless the caller takes part in (or administers) the bout."""
OwnedBout = Annotated[Bout, Depends(_bout_loader(promoter_only))]
"""Promoters only (403 otherwise); 404 unless it is the caller's own bout."""
AdminBout = Annotated[Bout, Depends(_bout_loader(admin_only))]
"""Admins only; any bout."""
AuditBout = Annotated[Bout, Depends(_bout_loader(promoter_or_admin))]
"""The owning promoter or an admin."""
OwnedBoutId = Annotated[uuid.UUID, Depends(_owned_bout_id)]
"""As OwnedBout, for confirms: they lock and load the bout themselves, after the key claim."""
