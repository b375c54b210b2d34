"""The boundary to the wallet that signs: Xaman's API, or a deterministic stub.

Both implementations satisfy `SigningService`; the lifecycle code never knows which one it has.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

from ringledger.core.errors import UpstreamUnavailable
from ringledger.signing.models import SigningStatus

if TYPE_CHECKING:
    from ringledger.audit.service import Actor
    from ringledger.core.db import Tx
    from ringledger.signing.queries import AttemptRow

WITHDRAWN_REASON = "withdrawn by the service; it can no longer be signed"


class SigningUnavailable(UpstreamUnavailable):
    """Xaman failed, timed out, rate-limited us or answered nonsense; nothing was changed."""

    code = "xaman_unavailable"


@dataclass(frozen=True)
class SignRequest:
    """What the promoter needs to open the transaction in their wallet."""

    payload_id: str
    deep_link_url: str
    qr_png_url: str
    websocket_status_url: str
    expires_at: datetime
    mode: str


@dataclass(frozen=True)
class PayloadOutcome:
    """Where a sign request stands, as the signing side reports it."""

    status: SigningStatus
    tx_hash: str | None = None
    reason: str | None = None


class SigningService(Protocol):
    mode: str

    async def create(
        self,
        *,
        txjson: dict[str, Any],
        identifier: str,
        instruction: str,
        expire_minutes: int,
        signer: str,
    ) -> SignRequest:
        """Create a sign request for `txjson` that only `signer` (an r-address) may sign, on
        the configured network; raise SigningUnavailable on any failure."""
        ...

    async def status(
        self, *, payload_id: str, observed_status: str | None, observed_tx_hash: str | None
    ) -> PayloadOutcome:
        """The outcome of a sign request (the stub believes `observed_*`, Xaman ignores them)."""
        ...

    async def cancel(self, *, payload_id: str) -> None:
        """Withdraw a sign request that a newer one replaces (best effort)."""
        ...

    async def withdraw(self, *, payload_id: str) -> PayloadOutcome:
        """Withdraw a sign request for good and say where it stands afterwards.

        `declined` or `expired` when it can no longer be signed; `signed` when it was signed
        before it could be withdrawn; `open` when the signer has it open and it cannot be
        withdrawn. Raise SigningUnavailable when the signing side cannot be asked.
        """
        ...

    async def aclose(self) -> None:
        """Release connections (called once at shutdown)."""
        ...


@dataclass(frozen=True)
class RecordResult:
    """What recording an outcome did: `recorded` a new one, found it `unchanged`, or found the
    bout `busy` with another request (only when asked not to wait)."""

    result: Literal["recorded", "unchanged", "busy"]
    escrow_kind: str | None = None
    before: str | None = None
    after: str | None = None
    failure_code: str | None = None


class OutcomeRecorder(Protocol):
    """Records a sign request's outcome under its bout's lock, as every path must (the
    reconcile route, Xaman's webhook, the reconcile worker); the lifecycle provides it."""

    async def __call__(
        self, tx: Tx, attempt: AttemptRow, outcome: PayloadOutcome, actor: Actor, *, wait: bool
    ) -> RecordResult: ...
