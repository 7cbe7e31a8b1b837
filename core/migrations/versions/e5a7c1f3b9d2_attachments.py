"""attachments

Revision ID: e5a7c1f3b9d2
Revises: e4a7c1f9b2d6
Create Date: 2026-12-07 09:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "e5a7c1f3b9d2"
down_revision = "e4a7c1f9b2d6"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("subject_type", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=120), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploader_name", sa.String(length=80), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["units.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_attachments_subject", "attachments", ["subject_type", "subject_id"], unique=False)
    op.create_index(op.f("ix_attachments_jurisdiction_id"), "attachments", ["jurisdiction_id"], unique=False)
    op.create_index(op.f("ix_attachments_unit_id"), "attachments", ["unit_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_attachments_unit_id"), table_name="attachments")
    op.drop_index(op.f("ix_attachments_jurisdiction_id"), table_name="attachments")
    op.drop_index("ix_attachments_subject", table_name="attachments")
    op.drop_table("attachments")
