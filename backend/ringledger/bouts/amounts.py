"""A bout's four purses — integer drops of XRP, or exact decimals of one issued token — and each
escrow's amount as the ledger writes it.

An XRP bout keeps its rules: four integers of at least one drop, together at most the XRP supply.
A token bout names one allowed token (`RINGLEDGER_TOKENS`) and four plain decimal strings
(`core.tokens.token_value`), stored exactly and summed exactly; the promoter may not be the
token's issuer (the ledger refuses an issuer escrowing its own token: tecNO_PERMISSION).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from ringledger.bouts import plan
from ringledger.bouts.errors import PlanInvalid
from ringledger.bouts.models import EscrowKind, EscrowStatus
from ringledger.bouts.records import EscrowRow, Token
from ringledger.core.tokens import (
    EXACT,
    NO_TRANSFER_FEE,
    AllowedToken,
    ledger_decimal,
    net_of,
    plain,
    same_currency,
    token_value,
)
from ringledger.ledger.interface import TokenDelta

LedgerAmount = str | dict[str, str]
"""Drops as a decimal string, or the token amount object `{currency, issuer, value}`."""


class PurseFields(Protocol):
    """The purse fields of a bout's creation request (`bouts.schemas.CreateBoutRequest`); None
    for a field left out."""

    @property
    def show_a_drops(self) -> int | None: ...

    @property
    def show_b_drops(self) -> int | None: ...

    @property
    def bonus_a_drops(self) -> int | None: ...

    @property
    def bonus_b_drops(self) -> int | None: ...

    @property
    def token(self) -> str | None: ...

    @property
    def show_a_amount(self) -> str | None: ...

    @property
    def show_b_amount(self) -> str | None: ...

    @property
    def bonus_a_amount(self) -> str | None: ...

    @property
    def bonus_b_amount(self) -> str | None: ...


@dataclass(frozen=True)
class Purses:
    """What each escrow locks: drops when `token` is None, else decimals of that token."""

    token: AllowedToken | None
    drops: dict[EscrowKind, int]
    values: dict[EscrowKind, Decimal]


def purses_of(request: PurseFields, *, tokens: list[AllowedToken]) -> Purses:
    """The purses the request asks for, in one of the two forms; 422 plan_invalid otherwise."""
    drops = {kind: getattr(request, f"{kind.value}_drops") for kind in EscrowKind}
    texts = {kind: getattr(request, f"{kind.value}_amount") for kind in EscrowKind}
    xrp_given = any(value is not None for value in drops.values())
    token_given = request.token is not None or any(text is not None for text in texts.values())
    if xrp_given and token_given:
        raise PlanInvalid(
            "Give either the four *_drops (an XRP bout) or token with the four *_amount "
            "(a token bout), not both."
        )
    if token_given:
        return _token_purses(request.token, texts, tokens)
    if any(value is None for value in drops.values()):
        raise PlanInvalid(
            "Give the four purses: show_a_drops, show_b_drops, bonus_a_drops, bonus_b_drops "
            "(or token with show_a_amount … bonus_b_amount)."
        )
    checked = {kind: int(value) for kind, value in drops.items() if value is not None}
    plan.check_amounts(checked)
    return Purses(None, checked, {})


def _token_purses(
    label: str | None, texts: dict[EscrowKind, str | None], tokens: list[AllowedToken]
) -> Purses:
    if label is None:
        raise PlanInvalid("A token bout names its token (a label from GET /tokens).")
    token = next((allowed for allowed in tokens if allowed.label == label), None)
    if token is None:
        raise PlanInvalid(f"{label[:32]!r} is not a token bouts may use (see GET /tokens).")
    values: dict[EscrowKind, Decimal] = {}
    for kind, text in texts.items():
        if text is None:
            raise PlanInvalid(f"{kind.value}_amount is missing: a token bout gives all four.")
        try:
            values[kind] = token_value(text)
        except ValueError as error:
            raise PlanInvalid(f"{kind.value}_amount: {error}.") from None
    return Purses(token, {}, values)


def check_not_issuer(purses: Purses, promoter_address: str) -> None:
    """The ledger refuses an issuer escrowing its own token (tecNO_PERMISSION)."""
    if purses.token is not None and purses.token.issuer == promoter_address:
        raise PlanInvalid(
            "The promoter's XRPL address is the token's issuer; an issuer cannot escrow its "
            "own token. Use another account to hold and escrow the purses."
        )


def ledger_amount(escrow: EscrowRow, token: Token | None) -> LedgerAmount:
    """The escrow's amount as the ledger writes it."""
    if token is None:
        return str(escrow.amount_drops)
    assert escrow.amount_value is not None, "a token escrow's amount is a value"
    return token_amount(token, escrow.amount_value)


def token_amount(token: Token, value: Decimal) -> dict[str, str]:
    return {"currency": token.currency, "issuer": token.issuer, "value": plain(value)}


def net_amount(escrow: EscrowRow, token: Token | None, transfer_rate: int | None) -> Any:
    """What the destination receives after the issuer's transfer fee at the rate recorded at
    prepare: the amount itself for XRP or without a fee; None for a token bout whose rate was
    not read yet. The least that can arrive: at finish the ledger applies the lower of the
    escrow's rate and the issuer's current one."""
    if token is None:
        return ledger_amount(escrow, None)
    if transfer_rate is None:
        return None
    assert escrow.amount_value is not None
    if escrow.destination_address == token.issuer or transfer_rate == NO_TRANSFER_FEE:
        return token_amount(token, escrow.amount_value)
    return token_amount(token, net_of(escrow.amount_value, transfer_rate))


def delivered_amount(escrow: EscrowRow, token: Token | None) -> LedgerAmount | None:
    """What the escrow's close delivered: the whole amount of an XRP escrow (no fee applies),
    the value a token close's metadata showed arriving; None before the close."""
    if escrow.status not in (EscrowStatus.FINISHED, EscrowStatus.CANCELLED):
        return None
    if token is None:
        return ledger_amount(escrow, None)
    if escrow.delivered_value is None:
        return None
    return token_amount(token, escrow.delivered_value)


def received(token: Token | None, account: str, moved: tuple[TokenDelta, ...]) -> Decimal | None:
    """What `account` received of the bout's token by a transaction, from its metadata's
    trust-line changes; None for XRP, without metadata (stub mode), or when nothing arrived."""
    if token is None:
        return None
    total = Decimal(0)
    for delta in moved:
        if (
            delta.account == account
            and delta.issuer == token.issuer
            and same_currency(delta.currency, token.currency)
        ):
            total = EXACT.add(total, ledger_decimal(delta.delta) or Decimal(0))
    return total if total > 0 else None
