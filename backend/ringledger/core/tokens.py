"""The issued tokens bouts may be settled in (`RINGLEDGER_TOKENS`), and token amounts as exact
decimals.

A token on the XRP Ledger is a currency code and an issuing account. The code is three
characters — letters, digits or `?!@#$%^&*<>(){}[]|`, never `XRP` — or 40 hexadecimal digits
for a longer code (the text hex-encoded and zero-padded, e.g. `RLUSD` is
`524C555344000000000000000000000000000000`); a 40-digit code may not start with `00`, the first
byte of the standard form (XRPL docs, "Currency Codes"). Token values carry 15 significant
decimal digits, between 1e-81 and 9999999999999999e80 (XRPL docs, "Currency Formats"); the
service keeps them as `decimal.Decimal` and `NUMERIC`, never as floats.
"""

from __future__ import annotations

import re
from decimal import ROUND_DOWN, Context, Decimal, InvalidOperation

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ringledger.core.xrpl_address import is_account_address

SIGNIFICANT_DIGITS = 15
# The position of the leading digit of the smallest (1e-81) and the largest (just under 1e96)
# token value the ledger holds.
LOWEST_LEADING_DIGIT, HIGHEST_LEADING_DIGIT = -81, 95
_STANDARD_CODE = re.compile(r"^[A-Za-z0-9?!@#$%^&*<>(){}\[\]|]{3}$")
_HEX_CODE = re.compile(r"^[0-9A-Fa-f]{40}$")
_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
# Plain decimal text as people write amounts: no sign, no exponent, no spaces.
_PLAIN_DECIMAL = re.compile(r"^(0|[1-9][0-9]*)(\.[0-9]+)?$")
# Wide enough for any sum or quotient of ledger values without rounding.
EXACT = Context(prec=200, Emin=-999999, Emax=999999)


def currency_code(value: str) -> str:
    """A currency code as the ledger writes it (hex upper-cased); ValueError otherwise."""
    if _STANDARD_CODE.fullmatch(value):
        if value == "XRP":
            raise ValueError("XRP is not an issued token")
        return value
    if _HEX_CODE.fullmatch(value):
        if value.startswith("00"):
            raise ValueError("a 40-digit code starting with 00 is a standard code: use 3 letters")
        return value.upper()
    raise ValueError("a currency is 3 characters or 40 hexadecimal digits")


def same_currency(left: str, right: str) -> bool:
    """The same currency code: a 3-character code is case-sensitive on the ledger, the hex
    digits of a 40-digit one are not."""
    if len(left) == len(right) == 40:
        return left.upper() == right.upper()
    return left == right


class AllowedToken(BaseModel):
    """One token the operator allows bouts to use."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = Field(description="What promoters choose it by, e.g. USD.")
    currency: str
    issuer: str

    @field_validator("label")
    @classmethod
    def _label(cls, value: str) -> str:
        if not _LABEL.fullmatch(value):
            raise ValueError("a label is 1-32 letters, digits, dots, dashes or underscores")
        return value

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        return currency_code(value)

    @field_validator("issuer")
    @classmethod
    def _issuer(cls, value: str) -> str:
        if not is_account_address(value):
            raise ValueError("the issuer must be a classic XRPL address of a 20-byte account")
        return value


def unique_labels(tokens: list[AllowedToken]) -> list[AllowedToken]:
    labels = [token.label for token in tokens]
    if len(set(labels)) != len(labels):
        raise ValueError("token labels must be unique")
    pairs = [(token.currency, token.issuer) for token in tokens]
    if len(set(pairs)) != len(pairs):
        raise ValueError("a token (currency and issuer) may be listed once")
    return tokens


def token_value(text: str) -> Decimal:
    """A token amount a person wrote: a plain positive decimal the ledger can hold exactly
    (at most 15 significant digits, within its range); ValueError saying what is wrong."""
    if not _PLAIN_DECIMAL.fullmatch(text):
        raise ValueError(
            "write it as a plain decimal such as 1500 or 2500.75 (no sign, no exponent)"
        )
    value = Decimal(text)
    check_ledger_value(value)
    return value


def check_ledger_value(value: Decimal) -> None:
    """The ledger can hold `value` exactly as a token amount; ValueError otherwise."""
    if not value.is_finite() or value <= 0:
        raise ValueError("it must be greater than zero")
    if len(value.normalize(EXACT).as_tuple().digits) > SIGNIFICANT_DIGITS:
        raise ValueError(f"the ledger keeps at most {SIGNIFICANT_DIGITS} significant digits")
    if not LOWEST_LEADING_DIGIT <= value.adjusted() <= HIGHEST_LEADING_DIGIT:
        raise ValueError("it is outside the range of token amounts on the ledger")


def ledger_decimal(text: object) -> Decimal | None:
    """A value the ledger wrote (plain or exponent form), or None when it is no number."""
    if not isinstance(text, str) or len(text) > 64:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def to_ledger_digits(value: Decimal, rounding: str) -> Decimal:
    """`value` rounded (`decimal.ROUND_DOWN`, `ROUND_UP`, …) to the 15 significant digits a
    token amount holds on the ledger: a sum or a quotient of ledger values may need more."""
    lowest = Decimal(1).scaleb(value.adjusted() - SIGNIFICANT_DIGITS + 1)
    return value.quantize(lowest, rounding=rounding, context=EXACT)


def plain(value: Decimal) -> str:
    """The shortest plain text of an exact value: `100`, `2500.75`, `0.000001` (no exponent)."""
    return format(value.normalize(EXACT), "f")


NO_TRANSFER_FEE = 1_000_000_000  # a TransferRate of 1000000000 (or none) charges nothing


def net_of(value: Decimal, rate: int) -> Decimal:
    """What a finish delivers of `value` at the transfer rate `rate`: value x 1e9 / rate,
    rounded down to 15 significant digits — the rounding rippled applies since its
    fixCleanup3_4_0 amendment (never in the receiver's favour); earlier versions rounded to
    nearest, so this is the least that can arrive (docs/xrpl-and-xaman.md)."""
    if rate <= NO_TRANSFER_FEE:
        return value
    net = EXACT.divide(EXACT.multiply(value, Decimal(NO_TRANSFER_FEE)), Decimal(rate))
    return to_ledger_digits(net, ROUND_DOWN)
