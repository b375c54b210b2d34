"""The boundary to the XRP Ledger: what a validated transaction says, in one shape.

`LedgerVerifier.fetch` returns the ledger's view of a transaction. The stub returns the evidence
the client sent (local runs and CI only); the JSON-RPC verifier asks an XRPL node. Classification
and field matching live in `ringledger.ledger.evidence` and are shared by both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ringledger.core.errors import UpstreamUnavailable


class LedgerUnavailable(UpstreamUnavailable):
    """The node was unreachable or answered nonsense; nothing was stored."""

    code = "ledger_unavailable"


class NetworkMismatch(LedgerUnavailable):
    """The node follows another network than XRPL_NETWORK (or will not say which)."""


@dataclass(frozen=True)
class LedgerTx:
    """A transaction as the ledger reports it. None means the field is absent."""

    tx_hash: str
    found: bool = True
    validated: bool | None = False
    engine_result: str | None = None
    transaction_type: str | None = None
    account: str | None = None
    owner: str | None = None
    destination: str | None = None
    amount_drops: int | None = None
    finish_after: int | None = None
    cancel_after: int | None = None
    condition_hex: str | None = None
    fulfillment_hex: str | None = None
    # OfferSequence of an EscrowFinish/EscrowCancel: the create it settles.
    offer_sequence: int | None = None
    # The transaction's own Sequence, or its TicketSequence when Sequence is 0 (an EscrowCreate's
    # value here becomes the escrow's offer_sequence).
    sequence: int | None = None
    # Ripple-epoch close time of the validated ledger holding the transaction (`date`).
    close_time: int | None = None


class LedgerVerifier(Protocol):
    mode: str

    async def fetch(self, *, tx_hash: str, claimed: LedgerTx) -> LedgerTx:
        """The ledger's view of `tx_hash` (found=False when the node does not know it).

        `claimed` is what the client sent; the stub returns it as the ledger's answer, the
        JSON-RPC verifier ignores it (the caller compares the two). Raise LedgerUnavailable when
        the node cannot be asked or answers nonsense.
        """
        ...

    async def check_network(self) -> int | None:
        """Make sure the ledger follows XRPL_NETWORK (its network id, None if not reported).

        Raise LedgerUnavailable when it cannot be asked, and its subclass for a mismatch.
        """
        ...

    async def aclose(self) -> None:
        """Release connections (called once at shutdown)."""
        ...
