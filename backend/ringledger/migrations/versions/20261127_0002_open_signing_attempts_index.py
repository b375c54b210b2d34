"""Signing attempts by status and age, for the reconcile worker.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27

`ringledger reconcile` walks open attempts oldest first (`status = 'open' ORDER BY created_at`);
this index serves that walk. It also serves every lookup by status alone, so the single-column
index it replaces would only cost writes.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_signing_attempts_status_created_at", "signing_attempts", ["status", "created_at"]
    )
    op.drop_index("ix_signing_attempts_status", table_name="signing_attempts")


def downgrade() -> None:
    op.create_index("ix_signing_attempts_status", "signing_attempts", ["status"])
    op.drop_index("ix_signing_attempts_status_created_at", table_name="signing_attempts")
