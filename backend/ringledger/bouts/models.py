"""Bouts and their four escrows; the database backs every money and lifecycle invariant."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ringledger.core.models import UINT32_MAX, Base, Timestamped, new_id, pg_enum

MAX_TOTAL_DROPS = 10**17  # the XRP supply in drops


class BoutStatus(enum.StrEnum):
    DRAFT = "draft"
    ESCROWS_CREATED = "escrows_created"
    RESULT_ENTERED = "result_entered"
    PAYOUTS_IN_PROGRESS = "payouts_in_progress"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


class Winner(enum.StrEnum):
    A = "A"
    B = "B"


class Outcome(enum.StrEnum):
    """What an admin enters after the bout; it decides what each escrow does (bouts.outcomes)."""

    WIN_A = "win_a"
    WIN_B = "win_b"
    DRAW = "draw"
    NO_CONTEST = "no_contest"

    @property
    def winner(self) -> Winner | None:
        return {Outcome.WIN_A: Winner.A, Outcome.WIN_B: Winner.B}.get(self)

    @classmethod
    def win_for(cls, winner: Winner) -> Outcome:
        return cls.WIN_A if winner == Winner.A else cls.WIN_B


class EscrowKind(enum.StrEnum):
    SHOW_A = "show_a"
    SHOW_B = "show_b"
    BONUS_A = "bonus_a"
    BONUS_B = "bonus_b"

    @property
    def is_bonus(self) -> bool:
        return self in (EscrowKind.BONUS_A, EscrowKind.BONUS_B)

    @property
    def corner(self) -> Winner:
        return Winner.A if self in (EscrowKind.SHOW_A, EscrowKind.BONUS_A) else Winner.B


class EscrowStatus(enum.StrEnum):
    PLANNED = "planned"
    CREATED = "created"
    FINISHED = "finished"
    CANCELLED = "cancelled"
    FAILED = "failed"


def _uint32(column: str) -> str:
    return f"{column} IS NULL OR ({column} >= 0 AND {column} <= {UINT32_MAX})"


class Bout(Timestamped, Base):
    __tablename__ = "bouts"
    __table_args__ = (
        CheckConstraint("fighter_a_user_id <> fighter_b_user_id", name="distinct_fighters"),
        CheckConstraint(
            "(outcome IS NULL) = (status IN ('draft', 'escrows_created', 'withdrawn'))",
            name="outcome_iff_result",
        ),
        CheckConstraint("cancel_after_ripple > finish_after_ripple", name="cancel_after_finish"),
        CheckConstraint(
            "(token_label IS NULL) = (token_currency IS NULL)"
            " AND (token_label IS NULL) = (token_issuer IS NULL)",
            name="token_complete",
        ),
        CheckConstraint(
            "transfer_rate IS NULL OR (token_label IS NOT NULL"
            " AND transfer_rate BETWEEN 1000000000 AND 2000000000)",
            name="transfer_rate",
        ),
        CheckConstraint(_uint32("finish_after_ripple"), name="finish_after_uint32"),
        CheckConstraint(_uint32("cancel_after_ripple"), name="cancel_after_uint32"),
        # One index per listing statement, in the page's order (migration 0005).
        Index("ix_bouts_created_at_id", "created_at", "id"),
        Index("ix_bouts_status_created_at_id", "status", "created_at", "id"),
        Index("ix_bouts_promoter_user_id_created_at_id", "promoter_user_id", "created_at", "id"),
        Index(
            "ix_bouts_promoter_user_id_status_created_at_id",
            "promoter_user_id",
            "status",
            "created_at",
            "id",
        ),
        Index("ix_bouts_fighter_a_user_id_created_at_id", "fighter_a_user_id", "created_at", "id"),
        Index("ix_bouts_fighter_b_user_id_created_at_id", "fighter_b_user_id", "created_at", "id"),
        Index(
            "ix_bouts_fighter_a_user_id_status_created_at_id",
            "fighter_a_user_id",
            "status",
            "created_at",
            "id",
        ),
        Index(
            "ix_bouts_fighter_b_user_id_status_created_at_id",
            "fighter_b_user_id",
            "status",
            "created_at",
            "id",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    title: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[BoutStatus] = mapped_column(
        pg_enum(BoutStatus, "bout_status"), nullable=False, default=BoutStatus.DRAFT
    )
    outcome: Mapped[Outcome | None] = mapped_column(pg_enum(Outcome, "bout_outcome"))
    promoter_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    fighter_a_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    fighter_b_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    promoter_xrpl_address: Mapped[str] = mapped_column(String(35), nullable=False)
    event_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    finish_after_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    cancel_after_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    finish_after_ripple: Mapped[int] = mapped_column(BigInteger, nullable=False)
    cancel_after_ripple: Mapped[int] = mapped_column(BigInteger, nullable=False)
    # A token bout's token (all three, or none for XRP), and the issuer's transfer rate as the
    # escrow prepare read it from the ledger (rpc mode; 1000000000 = no fee).
    token_label: Mapped[str | None] = mapped_column(String(32))
    token_currency: Mapped[str | None] = mapped_column(String(40))
    token_issuer: Mapped[str | None] = mapped_column(String(35))
    transfer_rate: Mapped[int | None] = mapped_column(BigInteger)

    escrows: Mapped[list[Escrow]] = relationship(
        back_populates="bout", order_by="Escrow.kind", lazy="selectin"
    )

    @property
    def winner(self) -> Winner | None:
        return self.outcome.winner if self.outcome is not None else None

    def escrow(self, kind: EscrowKind) -> Escrow:
        return next(escrow for escrow in self.escrows if escrow.kind == kind)


class Escrow(Timestamped, Base):
    __tablename__ = "escrows"
    __table_args__ = (
        UniqueConstraint("bout_id", "kind"),
        UniqueConstraint("create_tx_hash"),
        UniqueConstraint("close_tx_hash"),
        CheckConstraint(
            f"amount_drops IS NULL OR (amount_drops >= 1 AND amount_drops <= {MAX_TOTAL_DROPS})",
            name="amount",
        ),
        # An XRP escrow's amount is drops, a token escrow's an exact decimal: one of the two.
        CheckConstraint("(amount_drops IS NULL) <> (amount_value IS NULL)", name="amount_one_form"),
        CheckConstraint("amount_value IS NULL OR amount_value > 0", name="amount_value"),
        CheckConstraint("delivered_value IS NULL OR delivered_value > 0", name="delivered_value"),
        CheckConstraint(_uint32("finish_after_ripple"), name="finish_after_uint32"),
        CheckConstraint(_uint32("cancel_after_ripple"), name="cancel_after_uint32"),
        CheckConstraint(
            "offer_sequence IS NULL OR (offer_sequence >= 1 AND offer_sequence <= 4294967295)",
            name="offer_sequence_uint32",
        ),
        CheckConstraint(
            "(kind IN ('bonus_a', 'bonus_b')) = (condition_hex IS NOT NULL"
            " AND preimage_ciphertext IS NOT NULL AND cancel_after_ripple IS NOT NULL)",
            name="condition_iff_bonus",
        ),
        CheckConstraint(
            "status = 'planned' OR status = 'failed'"
            " OR (offer_sequence IS NOT NULL AND create_tx_hash IS NOT NULL)",
            name="created_has_sequence",
        ),
        CheckConstraint(
            "status NOT IN ('finished', 'cancelled') OR close_tx_hash IS NOT NULL",
            name="closed_has_hash",
        ),
        # A bonus, or a token show escrow (which has a CancelAfter): nothing else can be
        # cancelled on the ledger.
        CheckConstraint(
            "status <> 'cancelled' OR kind IN ('bonus_a', 'bonus_b')"
            " OR cancel_after_ripple IS NOT NULL",
            name="cancel_bonus",
        ),
        CheckConstraint(
            "anomaly_reason IS NULL OR status IN ('finished', 'cancelled')",
            name="anomaly_when_closed",
        ),
        # The watch walks the created escrows whose FinishAfter has passed (migration 0007).
        Index(
            "ix_escrows_created_finish_after",
            "finish_after_ripple",
            "id",
            postgresql_where=text("status = 'created'"),
        ),
        Index(
            "ix_escrows_watch_lease_owner",
            "watch_lease_owner",
            postgresql_where=text("watch_lease_owner IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    bout_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bouts.id"), nullable=False)
    kind: Mapped[EscrowKind] = mapped_column(pg_enum(EscrowKind, "escrow_kind"), nullable=False)
    status: Mapped[EscrowStatus] = mapped_column(
        pg_enum(EscrowStatus, "escrow_status"), nullable=False, default=EscrowStatus.PLANNED
    )
    owner_address: Mapped[str] = mapped_column(String(35), nullable=False)
    destination_address: Mapped[str] = mapped_column(String(35), nullable=False)
    amount_drops: Mapped[int | None] = mapped_column(BigInteger)
    # A token escrow's amount in token units, exact (never a float); NULL for XRP.
    amount_value: Mapped[Decimal | None] = mapped_column(Numeric)
    # What a token escrow's finish delivered after the issuer's fee (its transaction says).
    delivered_value: Mapped[Decimal | None] = mapped_column(Numeric)
    finish_after_ripple: Mapped[int] = mapped_column(BigInteger, nullable=False)
    cancel_after_ripple: Mapped[int | None] = mapped_column(BigInteger)
    condition_hex: Mapped[str | None] = mapped_column(String(78))
    preimage_ciphertext: Mapped[str | None] = mapped_column(Text)
    offer_sequence: Mapped[int | None] = mapped_column(BigInteger)
    create_tx_hash: Mapped[str | None] = mapped_column(String(64))
    close_tx_hash: Mapped[str | None] = mapped_column(String(64))
    failure_code: Mapped[str | None] = mapped_column(String(40))
    failure_reason: Mapped[str | None] = mapped_column(String(500))
    # The account that submitted the finish or cancel (rpc mode): the promoter, the fighter, or
    # anyone else, as the ledger shows it.
    closed_by_address: Mapped[str | None] = mapped_column(String(35))
    # A move the outcome did not allow, recorded as the ledger shows it (PRODUCT: anomalies).
    anomaly_reason: Mapped[str | None] = mapped_column(String(500))
    anomaly_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The ledger that validated the EscrowCreate: where the owner's history is searched from.
    create_ledger_index: Mapped[int | None] = mapped_column(BigInteger)
    # The watch: when the escrow was last looked up on the ledger, and a worker's claim on it.
    watched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    watch_lease_owner: Mapped[str | None] = mapped_column(String(64))
    watch_lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    bout: Mapped[Bout] = relationship(back_populates="escrows")


class LedgerMove(Base):
    """A validated ledger transaction the service recorded as an escrow's move (its create, its
    finish or its cancel). The primary key makes the database itself refuse a second move with
    the same transaction, whichever escrows, bouts or phases two racing confirms are about."""

    __tablename__ = "ledger_moves"
    __table_args__ = (
        CheckConstraint("move IN ('create', 'finish', 'cancel')", name="move"),
        CheckConstraint("tx_hash = upper(tx_hash) AND length(tx_hash) = 64", name="tx_hash"),
    )

    tx_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    escrow_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("escrows.id"), nullable=False, index=True
    )
    move: Mapped[str] = mapped_column(String(8), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
