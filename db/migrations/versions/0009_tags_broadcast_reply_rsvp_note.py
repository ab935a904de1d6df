"""tag vocabulary, broadcast reply text, rsvp note

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 05:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tag_labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_tag_labels_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tag_labels")),
        sa.UniqueConstraint(
            "organisation_id", "tag", name=op.f("uq_tag_labels_organisation_id_tag")
        ),
    )
    with op.batch_alter_table("broadcasts") as batch:
        batch.add_column(sa.Column("reply_text", sa.String(length=500), nullable=True))
    with op.batch_alter_table("rsvps") as batch:
        batch.add_column(sa.Column("note", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rsvps") as batch:
        batch.drop_column("note")
    with op.batch_alter_table("broadcasts") as batch:
        batch.drop_column("reply_text")
    op.drop_table("tag_labels")
