"""issued documents: the letters issued from records, each version frozen

Revision ID: e6b8d2f4a1c3
Revises: e4a7c9d2b1f0
Create Date: 2026-12-07 11:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "e6b8d2f4a1c3"
down_revision = "e4a7c9d2b1f0"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "issued_documents",
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject_type", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document_number", sa.String(length=60), nullable=False),
        sa.Column("title", sa.String(length=400), nullable=False),
        sa.Column("issuing_authority", sa.String(length=120), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.String(length=80), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("docx", sa.LargeBinary(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(["jurisdiction_id"], ["jurisdictions.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "kind", "subject_type", "subject_id", "version", name="uq_issued_documents_version"
        ),
    )
    op.create_index(
        "ix_issued_documents_subject", "issued_documents", ["subject_type", "subject_id"], unique=False
    )
    op.create_index(
        op.f("ix_issued_documents_jurisdiction_id"), "issued_documents", ["jurisdiction_id"], unique=False
    )
    op.create_index(op.f("ix_issued_documents_unit_id"), "issued_documents", ["unit_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_issued_documents_unit_id"), table_name="issued_documents")
    op.drop_index(op.f("ix_issued_documents_jurisdiction_id"), table_name="issued_documents")
    op.drop_index("ix_issued_documents_subject", table_name="issued_documents")
    op.drop_table("issued_documents")
