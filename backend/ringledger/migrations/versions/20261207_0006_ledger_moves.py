"""One ledger transaction settles one escrow move, enforced by the database.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07

The escrows' `create_tx_hash` and `close_tx_hash` are each unique, but only within their own
column: an escrow create on one bout and a payout finish on another confirmed at the same
moment with the same hash could both be recorded (the service's own check reads before it
waits for the bout's lock). `ledger_moves` holds every recorded move's transaction hash under
one primary key, written in the same transaction as the move.

Existing moves are copied in. Should a hash already have settled two moves (the race above),
the first by time is kept here; the escrows themselves keep their hashes either way. The
downgrade drops the table: the escrows still hold every hash.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COPY = """
INSERT INTO ledger_moves (tx_hash, escrow_id, move, recorded_at)
SELECT tx_hash, escrow_id, move, recorded_at FROM (
    SELECT upper(create_tx_hash) AS tx_hash, id AS escrow_id, 'create' AS move,
           created_at AS recorded_at
    FROM escrows WHERE create_tx_hash IS NOT NULL
    UNION ALL
    SELECT upper(close_tx_hash), id,
           CASE WHEN status = 'cancelled' THEN 'cancel' ELSE 'finish' END, updated_at
    FROM escrows WHERE close_tx_hash IS NOT NULL
) AS moves
WHERE length(tx_hash) = 64
ORDER BY recorded_at
ON CONFLICT (tx_hash) DO NOTHING
"""


def upgrade() -> None:
    op.create_table(
        "ledger_moves",
        sa.Column("tx_hash", sa.String(64), nullable=False),
        sa.Column("escrow_id", sa.Uuid(), nullable=False),
        sa.Column("move", sa.String(8), nullable=False),
        sa.Column(
            "recorded_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "move IN ('create', 'finish', 'cancel')", name=op.f("ck_ledger_moves_move")
        ),
        sa.CheckConstraint(
            "tx_hash = upper(tx_hash) AND length(tx_hash) = 64",
            name=op.f("ck_ledger_moves_tx_hash"),
        ),
        sa.ForeignKeyConstraint(
            ["escrow_id"], ["escrows.id"], name=op.f("fk_ledger_moves_escrow_id_escrows")
        ),
        sa.PrimaryKeyConstraint("tx_hash", name=op.f("pk_ledger_moves")),
    )
    op.create_index(op.f("ix_ledger_moves_escrow_id"), "ledger_moves", ["escrow_id"])
    op.execute(_COPY)


def downgrade() -> None:
    op.drop_index(op.f("ix_ledger_moves_escrow_id"), table_name="ledger_moves")
    op.drop_table("ledger_moves")
