"""ledger import jobs keep their report

A background import answers at once; the report its user reads afterwards (``ledgerImport.report``:
every row's status and problems) is kept on the job row when it ends, as JSON.

Revision ID: e4a7c9d2b1f0
Revises: e5a7c1f3b9d2
Create Date: 2026-12-07 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = 'e4a7c9d2b1f0'
down_revision = 'e5a7c1f3b9d2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ledger_import_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('report', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ledger_import_jobs', schema=None) as batch_op:
        batch_op.drop_column('report')
