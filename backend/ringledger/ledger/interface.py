"""The boundary to the XRP Ledger: what a validated transaction says, in one shape, and what the
ledger's state says (`LedgerReader`).

`LedgerVerifier.fetch` returns the ledger's view of a transaction. The stub returns the evidence
the client sent (local runs and CI only); the JSON-RPC verifier asks an XRPL node. Classification
and field matching live in `ringledger.ledger.evidence` and are shared by both. The state reads
exist only against a node: the stub refuses them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ringledger.ledger.state import (
        AccountInfo,
        AccountTxPage,
        EscrowEntry,
        TrustLine,
        ValidatedLedger,
    )

from ringledger.core.errors import UpstreamUnavailable


class LedgerUnavailable(UpstreamUnavailable):
    """The node was unreachable or answered nonsense; nothing was stored."""

    code = "ledger_unavailable"


class NetworkMismatch(LedgerUnavailable):
    """The node follows another network than XRPL_NETWORK (or will not say which)."""


@dataclass(frozen=True)
class TokenAmount:
    """A trust-line token amount as the ledger writes it: `value` is decimal text, never a float.

    `currency` is a three-character code or 40 hexadecimal digits (upper-cased); it is compared
    as written, never translated between the two forms.
    """

    currency: str
    issuer: str
    value: str

    def as_json(self) -> dict[str, str]:
        """The ledger's own amount object."""
        return {"currency": self.currency, "issuer": self.issuer, "value": self.value}


@dataclass(frozen=True)
class TokenDelta:
    """How a transaction changed what `account` holds of a token (from its metadata's
    RippleState nodes): `delta` is decimal text, positive when the account received."""

    account: str
    currency: str
    issuer: str
    delta: str


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
    # A token Amount (then amount_drops is None); None for XRP or no Amount at all.
    amount_token: TokenAmount | None = None
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
    # The ledger holding it (`ledger_index`): an EscrowCreate's is where the owner's history is
    # searched from for the escrow's close.
    ledger_index: int | None = None
    # What it moved on trust lines (a token escrow's finish: what the destination received).
    token_deltas: tuple[TokenDelta, ...] = ()


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


class LedgerReader(Protocol):
    """Reads of the ledger's state, each from the newest validated ledger the node has."""

    async def validated_ledger(self) -> ValidatedLedger:
        """The newest validated ledger's index and close time."""
        ...

    async def escrow(self, owner: str, sequence: int) -> EscrowEntry | None:
        """The Escrow `owner` created with `sequence` (None once finished, cancelled or never)."""
        ...

    async def account_transactions(
        self,
        account: str,
        *,
        from_ledger: int | None = None,
        marker: object | None = None,
        limit: int = 200,
    ) -> AccountTxPage:
        """One page of the validated transactions affecting `account`, oldest first."""
        ...

    async def account_info(self, account: str) -> AccountInfo | None:
        """The account's balance, flags and transfer rate (None: no such account)."""
        ...

    async def trust_lines(self, account: str, *, peer: str) -> list[TrustLine]:
        """Every trust line between `account` and `peer`, from `account`'s side."""
        ...


class Ledger(LedgerVerifier, LedgerReader, Protocol):
    """What the service holds: the verifier and the state reads of one ledger connection."""
