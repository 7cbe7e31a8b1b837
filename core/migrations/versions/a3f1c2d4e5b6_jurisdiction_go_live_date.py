"""jurisdiction go-live date

A county that adopts caseload brings years of records with it. Duties due before the day it went
live are history: they count in the indicators but the worker never reminds, warns or escalates
about them. The column is nullable: a jurisdiction without one treats every duty as live.

Revision ID: a3f1c2d4e5b6
Revises: c7e75b542bd9
Create Date: 2026-12-07 04:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = 'a3f1c2d4e5b6'
down_revision = 'c7e75b542bd9'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('jurisdictions') as batch:
        batch.add_column(sa.Column('go_live_date', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('jurisdictions') as batch:
        batch.drop_column('go_live_date')
