"""The ledger has the last word: follow-through, the watch, fighters' claims, superseded requests.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07

- `signing_status` gains `superseded` (a request a newer prepare replaced and withdrew), and
  `signing_phase` gains `claim` (a fighter's own EscrowFinish of their show escrow). Both types
  are rebuilt rather than extended with ADD VALUE, whose new value this same transaction could
  not use. Open requests that a newer request of the same escrow and phase already replaced are
  marked `superseded`, as the service now records them.
- `signing_attempts`: `signed_at` (when the signature was recorded: the follow-through gives up
  on a transaction still unknown to the node some time after it), `followed_at` and
  `followed_outcome` (when and how the follow-through finished with a signed request), and a
  lease (`lease_owner`, `lease_until`): a worker claims what it works on without holding a row
  lock while it waits for Xaman or the node.
- `escrows`: `closed_by_address` (the account that submitted the finish or cancel), an anomaly
  (`anomaly_reason`, `anomaly_at`: a move the outcome did not allow, recorded as the ledger shows
  it), `create_ledger_index` (where the owner's history is searched from), and the watch's own
  state (`watched_at`, and a lease).
- Partial indexes for the worker's three walks: open requests not leased, signed requests not
  yet followed, created escrows by FinishAfter.

Downgrading refuses while a claim request, an anomaly or a recorded submitter exists (the older
schema cannot hold them); `superseded` requests become `open` again, which is how the older code
left them.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATUSES = ("open", "signed", "declined", "expired", "unknown")
NEW_STATUSES = (*OLD_STATUSES, "superseded")
OLD_PHASES = ("escrow_create", "payout")
NEW_PHASES = (*OLD_PHASES, "claim")
_OPEN_INDEX = "ix_signing_attempts_open_created_at_id"

_SUPERSEDE_REPLACED = """
UPDATE signing_attempts a SET status = 'superseded',
       status_reason = 'replaced by a newer sign request of the same escrow'
WHERE a.status = 'open' AND EXISTS (
    SELECT 1 FROM signing_attempts newer
    WHERE newer.escrow_id = a.escrow_id AND newer.phase = a.phase
      AND (newer.created_at, newer.id) > (a.created_at, a.id)
)
"""
_SIGNED_AT = "UPDATE signing_attempts SET signed_at = updated_at WHERE status = 'signed'"
# A signed request whose transaction already moved its escrow needs no follow-through.
_ALREADY_FOLLOWED = """
UPDATE signing_attempts a SET followed_at = a.updated_at, followed_outcome = 'recorded'
WHERE a.status = 'signed' AND EXISTS (SELECT 1 FROM ledger_moves m WHERE m.tx_hash = a.tx_hash)
"""


def _rebuild(type_name: str, column: str, values: Sequence[str]) -> None:
    listed = ", ".join(f"'{value}'" for value in values)
    op.execute(f"ALTER TYPE {type_name} RENAME TO {type_name}_old")
    op.execute(f"CREATE TYPE {type_name} AS ENUM ({listed})")
    op.execute(
        f"ALTER TABLE signing_attempts ALTER COLUMN {column} TYPE {type_name} "
        f"USING {column}::text::{type_name}"
    )
    op.execute(f"DROP TYPE {type_name}_old")


def _open_index(where: str) -> None:
    op.create_index(
        _OPEN_INDEX, "signing_attempts", ["created_at", "id"], postgresql_where=sa.text(where)
    )


def upgrade() -> None:
    # The partial index's predicate names the old type; it is made again on the new one.
    op.drop_index(_OPEN_INDEX, table_name="signing_attempts")
    _rebuild("signing_status", "status", NEW_STATUSES)
    _rebuild("signing_phase", "phase", NEW_PHASES)
    _open_index("status = 'open'")
    attempt_columns: tuple[tuple[str, sa.types.TypeEngine[Any]], ...] = (
        ("signed_at", sa.DateTime(timezone=True)),
        ("followed_at", sa.DateTime(timezone=True)),
        ("followed_outcome", sa.String(40)),
        ("lease_owner", sa.String(64)),
        ("lease_until", sa.DateTime(timezone=True)),
    )
    for name, kind in attempt_columns:
        op.add_column("signing_attempts", sa.Column(name, kind, nullable=True))
    escrow_columns: tuple[tuple[str, sa.types.TypeEngine[Any]], ...] = (
        ("closed_by_address", sa.String(35)),
        ("anomaly_reason", sa.String(500)),
        ("anomaly_at", sa.DateTime(timezone=True)),
        ("create_ledger_index", sa.BigInteger()),
        ("watched_at", sa.DateTime(timezone=True)),
        ("watch_lease_owner", sa.String(64)),
        ("watch_lease_until", sa.DateTime(timezone=True)),
    )
    for name, kind in escrow_columns:
        op.add_column("escrows", sa.Column(name, kind, nullable=True))
    op.create_check_constraint(
        op.f("ck_escrows_anomaly_when_closed"),
        "escrows",
        "anomaly_reason IS NULL OR status IN ('finished', 'cancelled')",
    )
    op.execute(_SUPERSEDE_REPLACED)
    op.execute(_SIGNED_AT)
    op.execute(_ALREADY_FOLLOWED)
    op.create_index(
        "ix_signing_attempts_unfollowed_signed_at",
        "signing_attempts",
        ["signed_at", "id"],
        postgresql_where=sa.text("status = 'signed' AND followed_at IS NULL"),
    )
    op.create_index(
        "ix_escrows_created_finish_after",
        "escrows",
        ["finish_after_ripple", "id"],
        postgresql_where=sa.text("status = 'created'"),
    )
    # A stopping worker gives back what it holds; only the rows held are indexed.
    op.create_index(
        "ix_signing_attempts_lease_owner",
        "signing_attempts",
        ["lease_owner"],
        postgresql_where=sa.text("lease_owner IS NOT NULL"),
    )
    op.create_index(
        "ix_escrows_watch_lease_owner",
        "escrows",
        ["watch_lease_owner"],
        postgresql_where=sa.text("watch_lease_owner IS NOT NULL"),
    )


def downgrade() -> None:
    bind = op.get_bind()
    kept = bind.exec_driver_sql(
        "SELECT (SELECT count(*) FROM signing_attempts WHERE phase = 'claim')"
        " + (SELECT count(*) FROM escrows"
        "    WHERE anomaly_reason IS NOT NULL OR closed_by_address IS NOT NULL)"
    ).scalar()
    if kept:
        raise RuntimeError(
            f"{kept} fighter claim(s), anomalies or recorded submitters exist, which revision "
            "0006 cannot represent; refusing to downgrade rather than lose them"
        )
    op.drop_index("ix_escrows_watch_lease_owner", table_name="escrows")
    op.drop_index("ix_signing_attempts_lease_owner", table_name="signing_attempts")
    op.drop_index("ix_escrows_created_finish_after", table_name="escrows")
    op.drop_index("ix_signing_attempts_unfollowed_signed_at", table_name="signing_attempts")
    op.drop_constraint(op.f("ck_escrows_anomaly_when_closed"), "escrows", type_="check")
    for name in (
        "watch_lease_until",
        "watch_lease_owner",
        "watched_at",
        "create_ledger_index",
        "anomaly_at",
        "anomaly_reason",
        "closed_by_address",
    ):
        op.drop_column("escrows", name)
    for name in ("lease_until", "lease_owner", "followed_outcome", "followed_at", "signed_at"):
        op.drop_column("signing_attempts", name)
    op.execute("UPDATE signing_attempts SET status = 'open' WHERE status = 'superseded'")
    op.drop_index(_OPEN_INDEX, table_name="signing_attempts")
    _rebuild("signing_phase", "phase", OLD_PHASES)
    _rebuild("signing_status", "status", OLD_STATUSES)
    _open_index("status = 'open'")
