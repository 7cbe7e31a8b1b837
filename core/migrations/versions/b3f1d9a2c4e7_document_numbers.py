"""document numbers (发文字号)

Bulletins are issued as 公文 (GB/T 9704-2012): each edition takes its jurisdiction's next 发文字号 of
the year (武司〔2026〕12号) from a counter row per jurisdiction and year, as dispute numbers do. A
jurisdiction may configure its issuing authority and number prefix; without them both derive from its
name. Bulletins published before this revision keep no number.

Revision ID: b3f1d9a2c4e7
Revises: a5c1e0d7f316
Create Date: 2026-12-07 04:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = 'b3f1d9a2c4e7'
down_revision = "a5c1e0d7f316"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('document_number_counters',
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_document_number_counters_jurisdiction_id_jurisdictions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('jurisdiction_id', 'year', name=op.f('pk_document_number_counters'))
    )
    with op.batch_alter_table('bulletins', schema=None) as batch_op:
        batch_op.add_column(sa.Column('document_number', sa.String(length=60), nullable=True))
    with op.batch_alter_table('jurisdictions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('issuing_authority', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('document_prefix', sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('jurisdictions', schema=None) as batch_op:
        batch_op.drop_column('document_prefix')
        batch_op.drop_column('issuing_authority')
    with op.batch_alter_table('bulletins', schema=None) as batch_op:
        batch_op.drop_column('document_number')
    op.drop_table('document_number_counters')
