"""One row per sign request the service issued (Xaman payload or its stub)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from ringledger.core.models import Base, Timestamped, new_id, pg_enum


class SigningPhase(enum.StrEnum):
    ESCROW_CREATE = "escrow_create"
    PAYOUT = "payout"
    CLAIM = "claim"  # a fighter's own EscrowFinish of their show escrow


class SigningStatus(enum.StrEnum):
    OPEN = "open"
    SIGNED = "signed"
    DECLINED = "declined"
    EXPIRED = "expired"
    UNKNOWN = "unknown"
    SUPERSEDED = "superseded"  # a newer prepare replaced it and withdrew it


class SigningAttempt(Timestamped, Base):
    __tablename__ = "signing_attempts"
    __table_args__ = (
        Index("ix_signing_attempts_escrow_id_created_at", "escrow_id", "created_at"),
        # The reconcile worker walks the open attempts oldest first (migration 0005).
        Index(
            "ix_signing_attempts_open_created_at_id",
            "created_at",
            "id",
            postgresql_where=text("status = 'open'"),
        ),
        # The follow-through walks the signed requests it has not finished with (0007).
        Index(
            "ix_signing_attempts_unfollowed_signed_at",
            "signed_at",
            "id",
            postgresql_where=text("status = 'signed' AND followed_at IS NULL"),
        ),
        # A stopping worker gives back the leases it holds (0007).
        Index(
            "ix_signing_attempts_lease_owner",
            "lease_owner",
            postgresql_where=text("lease_owner IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    escrow_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("escrows.id"), nullable=False)
    bout_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bouts.id"), nullable=False, index=True)
    phase: Mapped[SigningPhase] = mapped_column(
        pg_enum(SigningPhase, "signing_phase"), nullable=False
    )
    mode: Mapped[str] = mapped_column(String(8), nullable=False)
    payload_id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    identifier: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    status: Mapped[SigningStatus] = mapped_column(
        pg_enum(SigningStatus, "signing_status"), nullable=False, default=SigningStatus.OPEN
    )
    deep_link_url: Mapped[str] = mapped_column(Text, nullable=False)
    qr_png_url: Mapped[str] = mapped_column(Text, nullable=False)
    websocket_status_url: Mapped[str] = mapped_column(Text, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    tx_hash: Mapped[str | None] = mapped_column(String(64))
    status_reason: Mapped[str | None] = mapped_column(String(500))
    signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When and how the follow-through finished with a signed request (rpc mode).
    followed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    followed_outcome: Mapped[str | None] = mapped_column(String(40))
    # A worker's claim: no other worker takes the request before lease_until.
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
