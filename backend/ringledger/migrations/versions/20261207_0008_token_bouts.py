"""Bouts settled in an issued token (Token Escrow, XLS-85).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07

- `bouts`: the token (`token_label`, `token_currency`, `token_issuer`, all three or none) and
  the issuer's `transfer_rate` as the escrow prepare read it from the ledger.
- `escrows`: a token escrow's amount is `amount_value`, an exact decimal in token units
  (`NUMERIC`, never a float), and `amount_drops` is then NULL: exactly one of the two is set.
  `delivered_value` is what a token escrow's finish delivered after the issuer's fee, as the
  finish's own transaction shows it.
- A token show escrow has a CancelAfter, so it may end `cancelled` (an anomaly the watch
  records): the CHECK that only bonuses are cancelled now allows any escrow with a CancelAfter.

Downgrading refuses while a token bout exists (the older schema cannot hold its amounts).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_XRP_SUPPLY = 10**17


def _check(table: str, name: str, condition: str) -> None:
    op.create_check_constraint(op.f(f"ck_{table}_{name}"), table, condition)


def _drop_check(table: str, name: str) -> None:
    op.drop_constraint(op.f(f"ck_{table}_{name}"), table, type_="check")


def upgrade() -> None:
    for name, kind in (
        ("token_label", sa.String(32)),
        ("token_currency", sa.String(40)),
        ("token_issuer", sa.String(35)),
        ("transfer_rate", sa.BigInteger()),
    ):
        op.add_column("bouts", sa.Column(name, kind, nullable=True))
    _check(
        "bouts",
        "token_complete",
        "(token_label IS NULL) = (token_currency IS NULL)"
        " AND (token_label IS NULL) = (token_issuer IS NULL)",
    )
    _check(
        "bouts",
        "transfer_rate",
        "transfer_rate IS NULL OR (token_label IS NOT NULL"
        " AND transfer_rate BETWEEN 1000000000 AND 2000000000)",
    )
    op.add_column("escrows", sa.Column("amount_value", sa.Numeric(), nullable=True))
    op.add_column("escrows", sa.Column("delivered_value", sa.Numeric(), nullable=True))
    op.alter_column("escrows", "amount_drops", nullable=True)
    _drop_check("escrows", "amount")
    _check(
        "escrows",
        "amount",
        f"amount_drops IS NULL OR (amount_drops >= 1 AND amount_drops <= {_XRP_SUPPLY})",
    )
    _check("escrows", "amount_one_form", "(amount_drops IS NULL) <> (amount_value IS NULL)")
    _check("escrows", "amount_value", "amount_value IS NULL OR amount_value > 0")
    _check("escrows", "delivered_value", "delivered_value IS NULL OR delivered_value > 0")
    _drop_check("escrows", "cancel_bonus")
    _check(
        "escrows",
        "cancel_bonus",
        "status <> 'cancelled' OR kind IN ('bonus_a', 'bonus_b') OR cancel_after_ripple IS NOT NULL",
    )


def downgrade() -> None:
    bind = op.get_bind()
    tokens = bind.exec_driver_sql("SELECT count(*) FROM bouts WHERE token_label IS NOT NULL")
    held = tokens.scalar()
    if held:
        raise RuntimeError(
            f"{held} bout(s) are settled in an issued token, which revision 0007 cannot "
            "represent; refusing to downgrade rather than lose them"
        )
    _drop_check("escrows", "cancel_bonus")
    _check("escrows", "cancel_bonus", "status <> 'cancelled' OR kind IN ('bonus_a', 'bonus_b')")
    for name in ("delivered_value", "amount_value", "amount_one_form", "amount"):
        _drop_check("escrows", name)
    _check("escrows", "amount", f"amount_drops >= 1 AND amount_drops <= {_XRP_SUPPLY}")
    op.alter_column("escrows", "amount_drops", nullable=False)
    op.drop_column("escrows", "delivered_value")
    op.drop_column("escrows", "amount_value")
    for name in ("transfer_rate", "token_complete"):
        _drop_check("bouts", name)
    for name in ("transfer_rate", "token_issuer", "token_currency", "token_label"):
        op.drop_column("bouts", name)
