"""shared channel rates

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21 05:47:10.137889
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channel_rates",
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("tokens", sa.Double(), nullable=False),
        sa.Column("updated_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", name=op.f("pk_channel_rates")),
    )


def downgrade() -> None:
    op.drop_table("channel_rates")
