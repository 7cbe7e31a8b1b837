"""unit aliases for ledger imports

Revision ID: a5c1e0d7f316
Revises: a3f1c2d4e5b6
Create Date: 2026-12-07 05:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "a5c1e0d7f316"
down_revision = "a3f1c2d4e5b6"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "unit_aliases",
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(length=200), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
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
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_unit_aliases_jurisdiction_id_jurisdictions"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_unit_aliases_unit_id_units"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_aliases")),
        sa.UniqueConstraint("jurisdiction_id", "alias", name=op.f("uq_unit_aliases_jurisdiction_id")),
    )
    with op.batch_alter_table("unit_aliases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_unit_aliases_jurisdiction_id"), ["jurisdiction_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_unit_aliases_unit_id"), ["unit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("unit_aliases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_aliases_unit_id"))
        batch_op.drop_index(batch_op.f("ix_unit_aliases_jurisdiction_id"))
    op.drop_table("unit_aliases")
