"""accueil conversations, triage tickets and directory edits

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 05:39:08.902128
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import db.base

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "directory_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.String(length=64), nullable=False),
        sa.Column(
            "fields",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.Column("places_available", sa.Integer(), nullable=True),
        sa.Column("places_updated_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["staff_members.id"],
            name=op.f("fk_directory_overrides_updated_by_id_staff_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_overrides")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_directory_overrides_entry_id")),
    )
    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("beneficiary_id", sa.Integer(), nullable=False),
        sa.Column("contact_point_id", sa.Integer(), nullable=True),
        sa.Column("flow_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "state",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("next_timeout_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("first_message_id", sa.Integer(), nullable=True),
        sa.Column("started_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["beneficiary_id"],
            ["beneficiaries.id"],
            name=op.f("fk_conversations_beneficiary_id_beneficiaries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_point_id"],
            ["contact_points.id"],
            name=op.f("fk_conversations_contact_point_id_contact_points"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
        sa.UniqueConstraint("beneficiary_id", name=op.f("uq_conversations_beneficiary_id")),
    )
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conversations_status"), ["status", "next_timeout_at"], unique=False
        )

    op.create_table(
        "triage_tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("beneficiary_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("contact_point_id", sa.Integer(), nullable=True),
        sa.Column("need", sa.String(length=32), nullable=True),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column(
            "directory_entries",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("first_message_id", sa.Integer(), nullable=True),
        sa.Column("last_message_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["staff_members.id"],
            name=op.f("fk_triage_tickets_assignee_id_staff_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["beneficiary_id"],
            ["beneficiaries.id"],
            name=op.f("fk_triage_tickets_beneficiary_id_beneficiaries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_point_id"],
            ["contact_points.id"],
            name=op.f("fk_triage_tickets_contact_point_id_contact_points"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_triage_tickets_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_tickets")),
    )
    with op.batch_alter_table("triage_tickets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_triage_tickets_assignee_id"), ["assignee_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_triage_tickets_site_id"), ["site_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_triage_tickets_status"), ["status", "created_at"], unique=False
        )
        batch_op.create_index(
            "uq_triage_tickets_open_per_person",
            ["beneficiary_id"],
            unique=True,
            postgresql_where=sa.text("status != 'resolved'"),
            sqlite_where=sa.text("status != 'resolved'"),
        )

    op.create_table(
        "ticket_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("staff_member_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_member_id"],
            ["staff_members.id"],
            name=op.f("fk_ticket_notes_staff_member_id_staff_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["triage_tickets.id"],
            name=op.f("fk_ticket_notes_ticket_id_triage_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_notes")),
    )
    with op.batch_alter_table("ticket_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_notes_ticket_id"), ["ticket_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ticket_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_notes_ticket_id"))

    op.drop_table("ticket_notes")
    with op.batch_alter_table("triage_tickets", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_triage_tickets_open_per_person",
            postgresql_where=sa.text("status != 'resolved'"),
            sqlite_where=sa.text("status != 'resolved'"),
        )
        batch_op.drop_index(batch_op.f("ix_triage_tickets_status"))
        batch_op.drop_index(batch_op.f("ix_triage_tickets_site_id"))
        batch_op.drop_index(batch_op.f("ix_triage_tickets_assignee_id"))

    op.drop_table("triage_tickets")
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversations_status"))

    op.drop_table("conversations")
    op.drop_table("directory_overrides")
