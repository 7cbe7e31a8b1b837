"""office assignments: which unit (and official) acts as each office of a jurisdiction

Revision ID: a7c3e9f1d2b4
Revises: e6b8d2f4a1c3
Create Date: 2026-12-07 11:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "a7c3e9f1d2b4"
down_revision = "e6b8d2f4a1c3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "office_assignments",
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("office", sa.String(length=60), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("official_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["jurisdiction_id"], ["jurisdictions.id"]),
        sa.ForeignKeyConstraint(["official_id"], ["officials.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("jurisdiction_id", "office"),
    )
    op.create_index(
        op.f("ix_office_assignments_jurisdiction_id"), "office_assignments", ["jurisdiction_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_office_assignments_jurisdiction_id"), table_name="office_assignments")
    op.drop_table("office_assignments")
