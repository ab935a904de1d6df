"""translation overrides

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 07:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "translation_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("catalogue", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_by_name", sa.String(length=120), nullable=True),
        sa.Column("reviewed_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_translation_overrides_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["staff_members.id"],
            name=op.f("fk_translation_overrides_reviewed_by_id_staff_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_translation_overrides")),
        sa.UniqueConstraint(
            "organisation_id",
            "catalogue",
            "key",
            "language",
            name=op.f("uq_translation_overrides_organisation_id_catalogue_key_language"),
        ),
    )


def downgrade() -> None:
    op.drop_table("translation_overrides")
