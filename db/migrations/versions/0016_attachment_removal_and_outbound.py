"""attachment removal at the provider and outbound attachments

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 10:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("attachments") as batch:
        batch.add_column(
            sa.Column("direction", sa.String(length=3), server_default="in", nullable=False)
        )
        batch.add_column(sa.Column("file_name", sa.String(length=200), nullable=True))
        batch.add_column(
            sa.Column("provider_removal_due_at", db.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(
            sa.Column("provider_removed_at", db.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch.create_index("ix_attachments_removal_due", ["provider_removal_due_at"])


def downgrade() -> None:
    with op.batch_alter_table("attachments") as batch:
        batch.drop_index("ix_attachments_removal_due")
        batch.drop_column("provider_removed_at")
        batch.drop_column("provider_removal_due_at")
        batch.drop_column("file_name")
        batch.drop_column("direction")
