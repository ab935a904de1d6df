"""inbound arrivals: the durable inbound queue

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 05:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import db.base

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbound_arrivals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("provider_id", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("display_name", sa.String(length=100), nullable=True),
        sa.Column("language_hint", sa.String(length=8), nullable=True),
        sa.Column(
            "extra",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("received_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_arrivals")),
        sa.UniqueConstraint(
            "channel", "provider_id", name=op.f("uq_inbound_arrivals_channel_provider_id")
        ),
    )
    op.create_index("ix_inbound_arrivals_sender", "inbound_arrivals", ["channel", "address", "id"])
    op.create_index("ix_inbound_arrivals_due", "inbound_arrivals", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_inbound_arrivals_due", table_name="inbound_arrivals")
    op.drop_index("ix_inbound_arrivals_sender", table_name="inbound_arrivals")
    op.drop_table("inbound_arrivals")
