"""Revocable access, the registration throttle, and emails compared as NFKC + casefold.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

- `users.token_version`: every access token carries it; a password change (or disabling the
  account) raises it, which revokes every earlier token.
- `users.disabled_at`: set by `ringledger users disable`.
- `registrations`: one row per registration attempt, counted per client address and hour.
- `ix_login_failures_at`: the purge of failed logins past the window walks it.
- Stored emails are re-normalised the way the service now compares them (NFKC, then
  case-folded). Two accounts that would collide are reported and the upgrade stops, rather
  than one of them becoming unreachable.
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _normalized(email: str) -> str:
    # The same rule as ringledger.auth.schemas.normalize_email, frozen here on purpose: a
    # migration must keep doing what it did when it was written.
    folded = unicodedata.normalize("NFKC", email.strip()).casefold()
    return unicodedata.normalize("NFKC", folded)


def _renormalize_emails() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, email FROM users")).all()
    wanted = {row.id: _normalized(row.email) for row in rows}
    seen: dict[str, object] = {}
    for user_id, email in wanted.items():
        if email in seen:
            raise RuntimeError(
                f"users {seen[email]} and {user_id} have the same email once normalised "
                f"({email!r}); merge or rename one of them, then upgrade again"
            )
        seen[email] = user_id
    for row in rows:
        if wanted[row.id] != row.email:
            bind.execute(
                sa.text("UPDATE users SET email = :email WHERE id = :id"),
                {"email": wanted[row.id], "id": row.id},
            )


def upgrade() -> None:
    op.add_column(
        "users", sa.Column("token_version", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column("users", sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
    op.create_check_constraint(op.f("ck_users_token_version"), "users", "token_version >= 0")
    op.create_table(
        "registrations",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registrations")),
    )
    op.create_index("ix_registrations_client_at", "registrations", ["client", "at"])
    op.create_index("ix_registrations_at", "registrations", ["at"])
    op.create_index("ix_login_failures_at", "login_failures", ["at"])
    _renormalize_emails()


def downgrade() -> None:
    # Normalised emails stay normalised: the older code lower-cases what it compares, and every
    # normalised address is its own lower case.
    op.drop_index("ix_login_failures_at", table_name="login_failures")
    op.drop_table("registrations")
    op.drop_constraint(op.f("ck_users_token_version"), "users", type_="check")
    op.drop_column("users", "disabled_at")
    op.drop_column("users", "token_version")
