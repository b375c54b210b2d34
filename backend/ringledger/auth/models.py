"""Accounts and the failed-login ledger used for throttling."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from ringledger.core.models import Base, Timestamped, new_id, pg_enum


class UserRole(enum.StrEnum):
    PROMOTER = "promoter"
    FIGHTER = "fighter"
    ADMIN = "admin"


class User(Timestamped, Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("token_version >= 0", name="token_version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[UserRole] = mapped_column(pg_enum(UserRole, "user_role"), nullable=False)
    # Every token carries the version it was issued under; raising it (a password change, the
    # operator disabling the account) revokes every token issued before.
    token_version: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )
    # Set by `ringledger users disable`: no token and no login work until `users enable`.
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginFailure(Base):
    """One row per failed login; kept in PostgreSQL so every API process sees the same counts."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_email_at", "email", "at"),
        Index("ix_login_failures_client_at", "client", "at"),
        Index("ix_login_failures_at", "at"),  # the purge of rows past the window
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    client: Mapped[str] = mapped_column(String(64), nullable=False)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )


class Registration(Base):
    """One row per registration attempt that reached the password hash, for the per-client
    throttle (RINGLEDGER_REGISTER_MAX_PER_CLIENT an hour)."""

    __tablename__ = "registrations"
    __table_args__ = (
        Index("ix_registrations_client_at", "client", "at"),
        Index("ix_registrations_at", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    client: Mapped[str] = mapped_column(String(64), nullable=False)
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
