"""Indexes that keep every listing page and the reconcile worker's poll one index walk.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

`GET /bouts` pages newest first by (created_at, id), a keyset at a time, in one of three scopes
(every bout, a promoter's, a fighter's), with or without `?status=`. Each statement of
`ringledger.bouts.queries.page` now has an index whose order is the page's order, so a page
reads about one page of rows however long the history and however rare the status:

- `(status, created_at, id)`: an admin's listing of one status.
- `(promoter_user_id, created_at, id)` and `(promoter_user_id, status, created_at, id)`: a
  promoter's; the first replaces `(promoter_user_id, created_at)`.
- `(fighter_a_user_id, created_at, id)` and `(fighter_b_user_id, created_at, id)`, and the same
  with `status`: a fighter's, one corner at a time; they replace the single-column indexes.

The reconcile worker walks the open sign requests oldest first: a partial index of the open
ones only, `(created_at, id) WHERE status = 'open'`, replaces `(status, created_at)`; it stays
as small as the work in flight while the table grows with every request ever issued.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BOUTS = (
    ("ix_bouts_status_created_at_id", ["status", "created_at", "id"]),
    ("ix_bouts_promoter_user_id_created_at_id", ["promoter_user_id", "created_at", "id"]),
    (
        "ix_bouts_promoter_user_id_status_created_at_id",
        ["promoter_user_id", "status", "created_at", "id"],
    ),
    ("ix_bouts_fighter_a_user_id_created_at_id", ["fighter_a_user_id", "created_at", "id"]),
    ("ix_bouts_fighter_b_user_id_created_at_id", ["fighter_b_user_id", "created_at", "id"]),
    (
        "ix_bouts_fighter_a_user_id_status_created_at_id",
        ["fighter_a_user_id", "status", "created_at", "id"],
    ),
    (
        "ix_bouts_fighter_b_user_id_status_created_at_id",
        ["fighter_b_user_id", "status", "created_at", "id"],
    ),
)
_REPLACED_BOUTS = (
    ("ix_bouts_promoter_user_id_created_at", ["promoter_user_id", "created_at"]),
    ("ix_bouts_fighter_a_user_id", ["fighter_a_user_id"]),
    ("ix_bouts_fighter_b_user_id", ["fighter_b_user_id"]),
)
_OPEN_ATTEMPTS = "ix_signing_attempts_open_created_at_id"


def upgrade() -> None:
    for name, columns in _BOUTS:
        op.create_index(name, "bouts", columns)
    for name, _ in _REPLACED_BOUTS:
        op.drop_index(name, table_name="bouts")
    op.create_index(
        _OPEN_ATTEMPTS,
        "signing_attempts",
        ["created_at", "id"],
        postgresql_where=sa.text("status = 'open'"),
    )
    op.drop_index("ix_signing_attempts_status_created_at", table_name="signing_attempts")


def downgrade() -> None:
    op.create_index(
        "ix_signing_attempts_status_created_at", "signing_attempts", ["status", "created_at"]
    )
    op.drop_index(_OPEN_ATTEMPTS, table_name="signing_attempts")
    for name, columns in _REPLACED_BOUTS:
        op.create_index(name, "bouts", columns)
    for name, _ in _BOUTS:
        op.drop_index(name, table_name="bouts")
