"""What the ledger's state says, in small typed shapes
(docs/xrpl-and-xaman.md#reading-the-ledgers-state).

Amounts stay the strings the ledger wrote: XRP as drops, a token value as its decimal text
(possibly in exponent form). Exact decimal arithmetic on them happens elsewhere, never with floats.
"""

from __future__ import annotations

from dataclasses import dataclass

from ringledger.ledger.interface import LedgerTx, TokenAmount

# An AccountRoot's or an Escrow's TransferRate: parts per billion of what is sent; this value
# (or no field at all) means no fee.
NO_TRANSFER_FEE = 1_000_000_000


@dataclass(frozen=True)
class ValidatedLedger:
    """The node's newest validated ledger (`ledger` with ledger_index "validated")."""

    index: int
    close_time: int  # ripple-epoch seconds (result.ledger.close_time)


@dataclass(frozen=True)
class EscrowEntry:
    """An Escrow ledger entry (`ledger_entry` with {"escrow": {"owner", "seq"}})."""

    owner: str
    sequence: int
    destination: str
    amount: str | TokenAmount  # drops, or the token amount object
    finish_after: int | None
    cancel_after: int | None
    condition: str | None  # upper-case hex
    # A token escrow records the issuer's rate when it was created (absent: no fee).
    transfer_rate: int | None


@dataclass(frozen=True)
class AccountTxPage:
    """One page of an account's validated transactions, oldest first; `marker` asks for more."""

    transactions: list[LedgerTx]
    marker: object | None


@dataclass(frozen=True)
class AccountInfo:
    """An account's root entry (`account_info` with ledger_index "validated")."""

    account: str
    balance_drops: int
    flags: int
    transfer_rate: int | None  # absent, or NO_TRANSFER_FEE: no fee
    require_authorization: bool
    global_freeze: bool
    allow_trust_line_locking: bool


@dataclass(frozen=True)
class TrustLine:
    """One trust line from the queried account's side (`account_lines` with `peer`).

    `balance` is positive when the queried account holds tokens; `authorized`, `freeze` and
    `deep_freeze` are its own settings, the `*_peer` ones the counterparty's (for a holder
    looking at its issuer: `peer_authorized` is the issuer's authorization of the line,
    `freeze_peer` the issuer's freeze).
    """

    peer: str
    currency: str
    balance: str
    limit: str
    limit_peer: str
    authorized: bool
    peer_authorized: bool
    freeze: bool
    freeze_peer: bool
    deep_freeze: bool
    deep_freeze_peer: bool
