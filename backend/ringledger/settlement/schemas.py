"""Bodies of the lifecycle routes: prepare, reconcile, confirm, result, payouts."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from ringledger.bouts.models import BoutStatus, EscrowKind, EscrowStatus, Outcome, Winner
from ringledger.bouts.schemas import SigningStatusName
from ringledger.core.models import UINT32_MAX
from ringledger.signing.schemas import SignRequestOut

TxHash = Annotated[str, Field(pattern=r"^[0-9A-Fa-f]{64}$", description="64 hex characters.")]
Uint32 = Annotated[StrictInt, Field(ge=0, le=UINT32_MAX)]
Sequence = Annotated[StrictInt, Field(ge=1, le=UINT32_MAX)]
Address = Annotated[str, Field(max_length=64)]
Hex = Annotated[str, Field(max_length=512, pattern=r"^[0-9A-Fa-f]*$")]
EngineResult = Annotated[str, Field(max_length=64)]
PayloadId = Annotated[str, Field(min_length=1, max_length=64)]
# A number as the ledger writes a token value: plain or in exponent form ("1e2", "2.5E-7").
LedgerValue = Annotated[
    StrictStr, Field(max_length=64, pattern=r"^-?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$")
]


class TokenAmountIn(BaseModel):
    """A token amount as the ledger writes it (`Amount` of a token EscrowCreate)."""

    model_config = ConfigDict(extra="forbid")

    currency: Annotated[StrictStr, Field(min_length=3, max_length=40)]
    issuer: Address
    value: LedgerValue


class PreparedEscrow(BaseModel):
    escrow_id: uuid.UUID
    escrow_kind: EscrowKind
    unsigned_tx: dict[str, Any] = Field(description="XRPL transaction JSON to sign.")
    xaman_sign_request: SignRequestOut


class ClaimOut(BaseModel):
    bout_id: uuid.UUID
    escrow_kind: EscrowKind
    unsigned_tx: dict[str, Any] = Field(
        description="An EscrowFinish from the fighter's address: Owner the promoter, "
        "OfferSequence the create's."
    )
    xaman_sign_request: SignRequestOut


class EscrowPrepareOut(BaseModel):
    bout_id: uuid.UUID
    escrows: list[PreparedEscrow]


class PreparedPayout(PreparedEscrow):
    action: Literal["finish", "cancel"]
    not_before_utc: str


class PayoutPrepareOut(BaseModel):
    bout_id: uuid.UUID
    bout_status: BoutStatus
    escrows: list[PreparedPayout]


class ReconcileRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    escrow_kind: EscrowKind
    payload_id: PayloadId
    observed_status: Annotated[str, Field(max_length=32)] | None = Field(
        default=None, description="Stub mode only: open, signed, declined, expired or unknown."
    )
    observed_tx_hash: TxHash | None = Field(default=None, description="Stub mode only.")


class ReconcileOut(BaseModel):
    bout_id: uuid.UUID
    escrow_id: uuid.UUID
    escrow_kind: EscrowKind
    escrow_status: EscrowStatus
    payload_id: str
    signing_status: SigningStatusName
    tx_hash: str | None
    failure_code: Literal["signing_declined", "signing_expired"] | None


class EscrowConfirmRequest(BaseModel):
    """Ledger evidence of an EscrowCreate. In rpc mode only escrow_kind and tx_hash are needed."""

    model_config = ConfigDict(extra="forbid")

    escrow_kind: EscrowKind
    tx_hash: TxHash
    offer_sequence: Sequence | None = None
    validated: StrictBool | None = None
    engine_result: EngineResult | None = None
    owner_address: Address | None = None
    destination_address: Address | None = None
    amount_drops: StrictInt | None = Field(default=None, ge=0, le=10**17)
    amount: TokenAmountIn | None = Field(
        default=None, description="A token bout's amount object, instead of amount_drops."
    )
    finish_after_ripple: Uint32 | None = None
    cancel_after_ripple: Uint32 | None = None
    condition_hex: Hex | None = None


class EscrowConfirmOut(BaseModel):
    bout_id: uuid.UUID
    escrow_id: uuid.UUID
    escrow_kind: EscrowKind
    escrow_status: Literal["created"]
    bout_status: BoutStatus
    tx_hash: str
    offer_sequence: int


class PayoutConfirmRequest(BaseModel):
    """Ledger evidence of an EscrowFinish/EscrowCancel. In rpc mode only kind and hash."""

    model_config = ConfigDict(extra="forbid")

    escrow_kind: EscrowKind
    tx_hash: TxHash
    validated: StrictBool | None = None
    engine_result: EngineResult | None = None
    transaction_type: Annotated[str, Field(max_length=32)] | None = None
    owner_address: Address | None = None
    offer_sequence: Sequence | None = None
    close_time_ripple: Uint32 | None = None
    fulfillment_hex: Hex | None = None


class PayoutConfirmOut(BaseModel):
    bout_id: uuid.UUID
    escrow_id: uuid.UUID
    escrow_kind: EscrowKind
    escrow_status: Literal["finished", "cancelled"]
    bout_status: BoutStatus
    tx_hash: str


class ResultRequest(BaseModel):
    """Exactly one of `winner` (a win) or `outcome` (a result without a winner)."""

    # minProperties/maxProperties say "exactly one of the two" in the OpenAPI document too.
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"minProperties": 1, "maxProperties": 1}
    )

    winner: Literal["A", "B"] | SkipJsonSchema[None] = Field(
        default=None, description="The fighter who won: A or B."
    )
    outcome: Literal["draw", "no_contest"] | SkipJsonSchema[None] = Field(
        default=None,
        description="A result without a winner. A bout called off after its escrows were "
        "created is a no_contest.",
    )

    @model_validator(mode="after")
    def exactly_one(self) -> ResultRequest:
        given = [name for name in ("winner", "outcome") if getattr(self, name) is not None]
        if len(given) != 1 or len(self.model_fields_set) != 1:
            raise ValueError("give exactly one of winner (A or B) or outcome (draw, no_contest)")
        return self

    @property
    def result(self) -> Outcome:
        if self.winner is not None:
            return Outcome.win_for(Winner(self.winner))
        assert self.outcome is not None
        return Outcome(self.outcome)


class ResultOut(BaseModel):
    bout_id: uuid.UUID
    bout_status: BoutStatus = Field(
        description="result_entered; further along when the ledger already shows a show purse "
        "claimed by its fighter (rpc mode)."
    )
    winner: Literal["A", "B"] | None
    outcome: Literal["win_a", "win_b", "draw", "no_contest"]
