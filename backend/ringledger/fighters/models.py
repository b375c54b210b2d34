"""A fighter's payout profile."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ringledger.core.models import Base, Timestamped


class FighterProfile(Timestamped, Base):
    __tablename__ = "fighter_profiles"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    display_name: Mapped[str] = mapped_column(String(100), nullable=False)
    xrpl_address: Mapped[str] = mapped_column(String(35), unique=True, nullable=False)
