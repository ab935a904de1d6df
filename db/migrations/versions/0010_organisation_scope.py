"""every account and directory edit belongs to an organisation

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 05:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _existing_organisation() -> int | None:
    """Return the organisation earlier rows belong to: the first one created."""
    bind = op.get_bind()
    found = bind.execute(sa.text("SELECT min(id) FROM organisations")).scalar()
    return int(found) if found is not None else None


def upgrade() -> None:
    owner = _existing_organisation()
    if owner is not None:
        # Before this revision an account without organisation saw every one; the instance
        # had one in practice, and its rows go to it.
        op.execute(
            sa.text(
                "UPDATE staff_members SET organisation_id = :owner WHERE organisation_id IS NULL"
            ).bindparams(owner=owner)
        )
    with op.batch_alter_table("staff_members") as batch:
        batch.create_check_constraint(
            op.f("ck_staff_members_organisation_required"),
            "role = 'operator' OR organisation_id IS NOT NULL",
        )
    with op.batch_alter_table("directory_overrides") as batch:
        batch.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
    if owner is not None:
        op.execute(
            sa.text("UPDATE directory_overrides SET organisation_id = :owner").bindparams(
                owner=owner
            )
        )
    with op.batch_alter_table("directory_overrides") as batch:
        batch.alter_column("organisation_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_constraint("uq_directory_overrides_entry_id", type_="unique")
        batch.create_unique_constraint(
            "uq_directory_overrides_organisation_id_entry_id", ["organisation_id", "entry_id"]
        )
        batch.create_foreign_key(
            "fk_directory_overrides_organisation_id_organisations",
            "organisations",
            ["organisation_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("directory_overrides") as batch:
        batch.drop_constraint(
            "fk_directory_overrides_organisation_id_organisations", type_="foreignkey"
        )
        batch.drop_constraint("uq_directory_overrides_organisation_id_entry_id", type_="unique")
        batch.create_unique_constraint("uq_directory_overrides_entry_id", ["entry_id"])
        batch.drop_column("organisation_id")
    with op.batch_alter_table("staff_members") as batch:
        batch.drop_constraint("ck_staff_members_organisation_required", type_="check")
