"""Idempotency keys get a lease (a dead request's key is released) and a commit mark (set with the mutation's writes).

Revision ID: f67ea3386a0d
Revises: b3f1d9a2c4e7
Create Date: 2026-12-07 09:16:25.799460
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "f67ea3386a0d"
down_revision = "b3f1d9a2c4e7"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lease_token", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("lease_until", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("committed_at", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.drop_column("committed_at")
        batch_op.drop_column("lease_until")
        batch_op.drop_column("lease_token")
