"""broadcasts, texts, recipients and replies

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21 05:35:29.507750
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import db.base

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("stop_notice", sa.Boolean(), nullable=False),
        sa.Column(
            "audience",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("send_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("recipient_count", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("approved_by", sa.Integer(), nullable=True),
        sa.Column("cancelled_by", sa.Integer(), nullable=True),
        sa.Column("submitted_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("approved_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("materialised_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("fanned_out_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["approved_by"],
            ["staff_members.id"],
            name=op.f("fk_broadcasts_approved_by_staff_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["cancelled_by"],
            ["staff_members.id"],
            name=op.f("fk_broadcasts_cancelled_by_staff_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["staff_members.id"],
            name=op.f("fk_broadcasts_created_by_staff_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_broadcasts_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcasts")),
    )
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_broadcasts_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_broadcasts_status"), ["status", "send_at"], unique=False
        )

    op.create_table(
        "broadcast_texts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["broadcasts.id"],
            name=op.f("fk_broadcast_texts_broadcast_id_broadcasts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcast_texts")),
        sa.UniqueConstraint(
            "broadcast_id", "language", name=op.f("uq_broadcast_texts_broadcast_id_language")
        ),
    )
    op.create_table(
        "broadcast_recipients",
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.Column("beneficiary_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["beneficiary_id"],
            ["beneficiaries.id"],
            name=op.f("fk_broadcast_recipients_beneficiary_id_beneficiaries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["broadcasts.id"],
            name=op.f("fk_broadcast_recipients_broadcast_id_broadcasts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_broadcast_recipients_message_id_messages"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint(
            "broadcast_id", "beneficiary_id", name=op.f("pk_broadcast_recipients")
        ),
    )
    with op.batch_alter_table("broadcast_recipients", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_broadcast_recipients_beneficiary_id"), ["beneficiary_id"], unique=False
        )
        batch_op.create_index(
            "ix_broadcast_recipients_message_id",
            ["message_id"],
            unique=False,
            postgresql_where=sa.text("message_id IS NOT NULL"),
            sqlite_where=sa.text("message_id IS NOT NULL"),
        )

    op.create_table(
        "broadcast_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("beneficiary_id", sa.Integer(), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["beneficiary_id"],
            ["beneficiaries.id"],
            name=op.f("fk_broadcast_replies_beneficiary_id_beneficiaries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["broadcasts.id"],
            name=op.f("fk_broadcast_replies_broadcast_id_broadcasts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_broadcast_replies_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcast_replies")),
        sa.UniqueConstraint("message_id", name=op.f("uq_broadcast_replies_message_id")),
    )
    with op.batch_alter_table("broadcast_replies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_broadcast_replies_beneficiary_id"), ["beneficiary_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_broadcast_replies_broadcast_id"), ["broadcast_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("broadcast_replies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_broadcast_replies_broadcast_id"))
        batch_op.drop_index(batch_op.f("ix_broadcast_replies_beneficiary_id"))

    op.drop_table("broadcast_replies")
    with op.batch_alter_table("broadcast_recipients", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_broadcast_recipients_message_id",
            postgresql_where=sa.text("message_id IS NOT NULL"),
            sqlite_where=sa.text("message_id IS NOT NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_broadcast_recipients_beneficiary_id"))

    op.drop_table("broadcast_recipients")
    op.drop_table("broadcast_texts")
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_broadcasts_status"))
        batch_op.drop_index(batch_op.f("ix_broadcasts_organisation_id"))

    op.drop_table("broadcasts")
