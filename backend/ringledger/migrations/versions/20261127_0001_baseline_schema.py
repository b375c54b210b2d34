"""Baseline schema: accounts, fighters, bouts, escrows, signing, audit, idempotency.

Revision ID: 0001
Revises:
Create Date: 2026-11-27

Enum types are created once, explicitly, and every column refers to them with
`create_type=False`, so the migration runs on an empty PostgreSQL without `DuplicateObject`.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UINT32_MAX = 4294967295

ENUMS = {
    "user_role": ("promoter", "fighter", "admin"),
    "bout_status": ("draft", "escrows_created", "result_entered", "payouts_in_progress", "closed"),
    "bout_winner": ("A", "B"),
    "escrow_kind": ("show_a", "show_b", "bonus_a", "bonus_b"),
    "escrow_status": ("planned", "created", "finished", "cancelled", "failed"),
    "signing_phase": ("escrow_create", "payout"),
    "signing_status": ("open", "signed", "declined", "expired", "unknown"),
}


def _enum(name: str) -> postgresql.ENUM:
    return postgresql.ENUM(*ENUMS[name], name=name, create_type=False)


def _timestamps() -> list[sa.Column[Any]]:
    return [
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    ]


def _uint32(column: str, name: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(
        f"{column} IS NULL OR ({column} >= 0 AND {column} <= {UINT32_MAX})", name=op.f(name)
    )


def upgrade() -> None:
    bind = op.get_bind()
    for name, values in ENUMS.items():
        postgresql.ENUM(*values, name=name).create(bind, checkfirst=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", _enum("user_role"), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "login_failures",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_login_failures_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    op.create_index("ix_login_failures_email_at", "login_failures", ["email", "at"])
    op.create_index("ix_login_failures_client_at", "login_failures", ["client", "at"])

    op.create_table(
        "fighter_profiles",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("xrpl_address", sa.String(35), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_fighter_profiles_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_fighter_profiles")),
        sa.UniqueConstraint("xrpl_address", name=op.f("uq_fighter_profiles_xrpl_address")),
    )

    op.create_table(
        "bouts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(200), nullable=True),
        sa.Column("status", _enum("bout_status"), nullable=False),
        sa.Column("winner", _enum("bout_winner"), nullable=True),
        sa.Column("promoter_user_id", sa.Uuid(), nullable=False),
        sa.Column("fighter_a_user_id", sa.Uuid(), nullable=False),
        sa.Column("fighter_b_user_id", sa.Uuid(), nullable=False),
        sa.Column("promoter_xrpl_address", sa.String(35), nullable=False),
        sa.Column("event_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finish_after_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancel_after_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finish_after_ripple", sa.BigInteger(), nullable=False),
        sa.Column("cancel_after_ripple", sa.BigInteger(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            "fighter_a_user_id <> fighter_b_user_id", name=op.f("ck_bouts_distinct_fighters")
        ),
        sa.CheckConstraint(
            "(winner IS NULL) = (status IN ('draft', 'escrows_created'))",
            name=op.f("ck_bouts_winner_iff_result"),
        ),
        sa.CheckConstraint(
            "cancel_after_ripple > finish_after_ripple", name=op.f("ck_bouts_cancel_after_finish")
        ),
        _uint32("finish_after_ripple", "ck_bouts_finish_after_uint32"),
        _uint32("cancel_after_ripple", "ck_bouts_cancel_after_uint32"),
        sa.ForeignKeyConstraint(
            ["promoter_user_id"], ["users.id"], name=op.f("fk_bouts_promoter_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["fighter_a_user_id"], ["users.id"], name=op.f("fk_bouts_fighter_a_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["fighter_b_user_id"], ["users.id"], name=op.f("fk_bouts_fighter_b_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bouts")),
    )
    op.create_index("ix_bouts_created_at_id", "bouts", ["created_at", "id"])
    op.create_index(
        "ix_bouts_promoter_user_id_created_at", "bouts", ["promoter_user_id", "created_at"]
    )
    op.create_index("ix_bouts_fighter_a_user_id", "bouts", ["fighter_a_user_id"])
    op.create_index("ix_bouts_fighter_b_user_id", "bouts", ["fighter_b_user_id"])

    op.create_table(
        "escrows",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("bout_id", sa.Uuid(), nullable=False),
        sa.Column("kind", _enum("escrow_kind"), nullable=False),
        sa.Column("status", _enum("escrow_status"), nullable=False),
        sa.Column("owner_address", sa.String(35), nullable=False),
        sa.Column("destination_address", sa.String(35), nullable=False),
        sa.Column("amount_drops", sa.BigInteger(), nullable=False),
        sa.Column("finish_after_ripple", sa.BigInteger(), nullable=False),
        sa.Column("cancel_after_ripple", sa.BigInteger(), nullable=True),
        sa.Column("condition_hex", sa.String(78), nullable=True),
        sa.Column("preimage_ciphertext", sa.Text(), nullable=True),
        sa.Column("offer_sequence", sa.BigInteger(), nullable=True),
        sa.Column("create_tx_hash", sa.String(64), nullable=True),
        sa.Column("close_tx_hash", sa.String(64), nullable=True),
        sa.Column("failure_code", sa.String(40), nullable=True),
        sa.Column("failure_reason", sa.String(500), nullable=True),
        *_timestamps(),
        sa.CheckConstraint(
            "amount_drops >= 1 AND amount_drops <= 100000000000000000",
            name=op.f("ck_escrows_amount"),
        ),
        _uint32("finish_after_ripple", "ck_escrows_finish_after_uint32"),
        _uint32("cancel_after_ripple", "ck_escrows_cancel_after_uint32"),
        sa.CheckConstraint(
            f"offer_sequence IS NULL OR (offer_sequence >= 1 AND offer_sequence <= {UINT32_MAX})",
            name=op.f("ck_escrows_offer_sequence_uint32"),
        ),
        sa.CheckConstraint(
            "(kind IN ('bonus_a', 'bonus_b')) = (condition_hex IS NOT NULL"
            " AND preimage_ciphertext IS NOT NULL AND cancel_after_ripple IS NOT NULL)",
            name=op.f("ck_escrows_condition_iff_bonus"),
        ),
        sa.CheckConstraint(
            "status = 'planned' OR status = 'failed'"
            " OR (offer_sequence IS NOT NULL AND create_tx_hash IS NOT NULL)",
            name=op.f("ck_escrows_created_has_sequence"),
        ),
        sa.CheckConstraint(
            "status NOT IN ('finished', 'cancelled') OR close_tx_hash IS NOT NULL",
            name=op.f("ck_escrows_closed_has_hash"),
        ),
        sa.CheckConstraint(
            "status <> 'cancelled' OR kind IN ('bonus_a', 'bonus_b')",
            name=op.f("ck_escrows_cancel_bonus"),
        ),
        sa.ForeignKeyConstraint(["bout_id"], ["bouts.id"], name=op.f("fk_escrows_bout_id_bouts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escrows")),
        sa.UniqueConstraint("bout_id", "kind", name=op.f("uq_escrows_bout_id_kind")),
        sa.UniqueConstraint("create_tx_hash", name=op.f("uq_escrows_create_tx_hash")),
        sa.UniqueConstraint("close_tx_hash", name=op.f("uq_escrows_close_tx_hash")),
    )

    op.create_table(
        "signing_attempts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("escrow_id", sa.Uuid(), nullable=False),
        sa.Column("bout_id", sa.Uuid(), nullable=False),
        sa.Column("phase", _enum("signing_phase"), nullable=False),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("payload_id", sa.String(64), nullable=False),
        sa.Column("identifier", sa.String(64), nullable=False),
        sa.Column("status", _enum("signing_status"), nullable=False),
        sa.Column("deep_link_url", sa.Text(), nullable=False),
        sa.Column("qr_png_url", sa.Text(), nullable=False),
        sa.Column("websocket_status_url", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tx_hash", sa.String(64), nullable=True),
        sa.Column("status_reason", sa.String(500), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["escrow_id"], ["escrows.id"], name=op.f("fk_signing_attempts_escrow_id_escrows")
        ),
        sa.ForeignKeyConstraint(
            ["bout_id"], ["bouts.id"], name=op.f("fk_signing_attempts_bout_id_bouts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_attempts")),
        sa.UniqueConstraint("payload_id", name=op.f("uq_signing_attempts_payload_id")),
        sa.UniqueConstraint("identifier", name=op.f("uq_signing_attempts_identifier")),
    )
    op.create_index("ix_signing_attempts_bout_id", "signing_attempts", ["bout_id"])
    op.create_index(
        "ix_signing_attempts_escrow_id_created_at", "signing_attempts", ["escrow_id", "created_at"]
    )
    op.create_index("ix_signing_attempts_status", "signing_attempts", ["status"])

    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("bout_id", sa.Uuid(), nullable=True),
        sa.Column("actor_user_id", sa.Uuid(), nullable=True),
        sa.Column("actor_role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("entity_type", sa.String(32), nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=True),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("failure_code", sa.String(40), nullable=True),
        sa.Column("details", postgresql.JSONB(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_bout_id_id", "audit_log", ["bout_id", "id"])
    # Append-only, enforced by the database itself: no code path can rewrite history.
    op.execute(
        """
        CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_log is append-only';
        END;
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log"
        " FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
    )

    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("operation", sa.String(32), nullable=False),
        sa.Column("bout_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("response_status", sa.SmallInteger(), nullable=True),
        sa.Column("response_body", sa.LargeBinary(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "response_status BETWEEN 100 AND 599", name=op.f("ck_idempotency_keys_response_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint(
            "operation", "bout_id", "key", name=op.f("uq_idempotency_keys_operation_bout_id_key")
        ),
    )
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])
    op.create_index("ix_idempotency_keys_bout_id", "idempotency_keys", ["bout_id"])


def downgrade() -> None:
    op.drop_table("idempotency_keys")
    op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
    op.execute("DROP FUNCTION audit_log_append_only()")
    op.drop_table("audit_log")
    op.drop_table("signing_attempts")
    op.drop_table("escrows")
    op.drop_table("bouts")
    op.drop_table("fighter_profiles")
    op.drop_table("login_failures")
    op.drop_table("users")
    bind = op.get_bind()
    for name in reversed(list(ENUMS)):
        postgresql.ENUM(name=name).drop(bind, checkfirst=False)
