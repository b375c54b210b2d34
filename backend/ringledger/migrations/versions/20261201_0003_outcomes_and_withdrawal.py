"""Outcomes without a winner (draw, no contest) and withdrawn bouts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

`bouts.winner` (A/B) becomes `bouts.outcome` (win_a, win_b, draw, no_contest), and the bout
status gains `withdrawn`. The status type is rebuilt rather than extended with ADD VALUE: a value
added that way cannot be used in the same transaction, and the CHECK below needs it. Downgrading
refuses while a bout holds something the old schema cannot say (a draw, a no contest, a
withdrawal) instead of losing it.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATUSES = ("draft", "escrows_created", "result_entered", "payouts_in_progress", "closed")
NEW_STATUSES = (*OLD_STATUSES, "withdrawn")


def _rebuild_status_type(values: Sequence[str]) -> None:
    listed = ", ".join(f"'{value}'" for value in values)
    op.execute("ALTER TYPE bout_status RENAME TO bout_status_old")
    op.execute(f"CREATE TYPE bout_status AS ENUM ({listed})")
    op.execute(
        "ALTER TABLE bouts ALTER COLUMN status TYPE bout_status USING status::text::bout_status"
    )
    op.execute("DROP TYPE bout_status_old")


def upgrade() -> None:
    op.drop_constraint(op.f("ck_bouts_winner_iff_result"), "bouts", type_="check")
    _rebuild_status_type(NEW_STATUSES)
    op.execute("CREATE TYPE bout_outcome AS ENUM ('win_a', 'win_b', 'draw', 'no_contest')")
    op.execute("ALTER TABLE bouts ADD COLUMN outcome bout_outcome")
    op.execute(
        "UPDATE bouts SET outcome = CASE winner WHEN 'A' THEN 'win_a' WHEN 'B' THEN 'win_b' END"
        "::bout_outcome WHERE winner IS NOT NULL"
    )
    op.execute("ALTER TABLE bouts DROP COLUMN winner")
    op.execute("DROP TYPE bout_winner")
    op.create_check_constraint(
        op.f("ck_bouts_outcome_iff_result"),
        "bouts",
        "(outcome IS NULL) = (status IN ('draft', 'escrows_created', 'withdrawn'))",
    )


def downgrade() -> None:
    bind = op.get_bind()
    unrepresentable = bind.exec_driver_sql(
        "SELECT count(*) FROM bouts WHERE outcome IN ('draw', 'no_contest') OR status = 'withdrawn'"
    ).scalar()
    if unrepresentable:
        raise RuntimeError(
            f"{unrepresentable} bout(s) have a draw, a no contest or a withdrawal, which "
            "revision 0002 cannot represent; refusing to downgrade rather than lose them"
        )
    op.drop_constraint(op.f("ck_bouts_outcome_iff_result"), "bouts", type_="check")
    op.execute("CREATE TYPE bout_winner AS ENUM ('A', 'B')")
    op.execute("ALTER TABLE bouts ADD COLUMN winner bout_winner")
    op.execute(
        "UPDATE bouts SET winner = CASE outcome WHEN 'win_a' THEN 'A' WHEN 'win_b' THEN 'B' END"
        "::bout_winner WHERE outcome IS NOT NULL"
    )
    op.execute("ALTER TABLE bouts DROP COLUMN outcome")
    op.execute("DROP TYPE bout_outcome")
    _rebuild_status_type(OLD_STATUSES)
    op.create_check_constraint(
        op.f("ck_bouts_winner_iff_result"),
        "bouts",
        "(winner IS NULL) = (status IN ('draft', 'escrows_created'))",
    )
